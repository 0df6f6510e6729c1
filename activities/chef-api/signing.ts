import { createHash, createPrivateKey, privateEncrypt, constants, webcrypto, type KeyObject } from 'node:crypto';

/** Mixlib::Authentication request signing (Chef Server's X-Ops-* headers), protocols 1.0, 1.1 and 1.3. */
export type SignVersion = '1.0' | '1.1' | '1.3';
export const SIGN_VERSIONS: readonly SignVersion[] = ['1.0', '1.1', '1.3'];

export interface SignInput {
  method: string;
  /** URL path without the query string, exactly as sent. */
  path: string;
  body: string | Uint8Array;
  userId: string;
  /** Value of the X-Ops-Server-API-Version request header; Mixlib signs "0" when the header is absent. */
  apiVersion?: string;
  timestamp?: Date;
}

const digest = (algorithm: 'sha1' | 'sha256', data: string | Uint8Array): string =>
  createHash(algorithm).update(data).digest('base64');

/** Runs of `/` collapse and a trailing `/` is dropped, as Mixlib does before hashing the path. */
export function canonicalPath(path: string): string {
  const collapsed = path.replace(/\/+/g, '/');
  return collapsed.length > 1 ? collapsed.replace(/\/$/, '') : collapsed;
}

export function chefTimestamp(at: Date = new Date()): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function canonicalString(version: SignVersion, input: SignInput, timestamp: string): string {
  const method = input.method.toUpperCase();
  const path = canonicalPath(input.path);
  if (version === '1.3') {
    return [
      `Method:${method}`,
      `Path:${path}`,
      `X-Ops-Content-Hash:${digest('sha256', input.body)}`,
      'X-Ops-Sign:version=1.3',
      `X-Ops-Timestamp:${timestamp}`,
      `X-Ops-UserId:${input.userId}`,
      `X-Ops-Server-API-Version:${input.apiVersion ?? '0'}`,
    ].join('\n');
  }
  const userId = version === '1.1' ? digest('sha1', input.userId) : input.userId;
  return [
    `Method:${method}`,
    `Hashed Path:${digest('sha1', path)}`,
    `X-Ops-Content-Hash:${digest('sha1', input.body)}`,
    `X-Ops-Timestamp:${timestamp}`,
    `X-Ops-UserId:${userId}`,
  ].join('\n');
}

/** Ruby's Base64.encode64 wraps at 60 characters; each line becomes one X-Ops-Authorization-N header. */
export function authorizationHeaders(signature: Buffer): Record<string, string> {
  const b64 = signature.toString('base64');
  const headers: Record<string, string> = {};
  for (let i = 0, n = 1; i < b64.length; i += 60, n++) headers[`X-Ops-Authorization-${n}`] = b64.slice(i, i + 60);
  return headers;
}

export function signHeaderValue(version: SignVersion): string {
  return `algorithm=${version === '1.3' ? 'sha256' : 'sha1'};version=${version};`;
}

/**
 * Holds one private key. Protocol 1.3 signs through WebCrypto, whose RSA work runs on libuv's thread pool,
 * so signing does not serialise every request on the main thread.
 */
export class RequestSigner {
  private readonly key: KeyObject;
  private webKey?: Promise<webcrypto.CryptoKey>;

  constructor(
    privateKeyPem: string,
    readonly version: SignVersion = '1.3',
  ) {
    this.key = createPrivateKey(privateKeyPem);
    if (this.key.asymmetricKeyType !== 'rsa') throw new Error('the signing key is not an RSA private key');
  }

  async sign(input: SignInput): Promise<Record<string, string>> {
    const timestamp = chefTimestamp(input.timestamp);
    const canonical = canonicalString(this.version, input, timestamp);
    const signature =
      this.version === '1.3'
        ? Buffer.from(await webcrypto.subtle.sign('RSASSA-PKCS1-v1_5', await this.cryptoKey(), Buffer.from(canonical)))
        : privateEncrypt({ key: this.key, padding: constants.RSA_PKCS1_PADDING }, Buffer.from(canonical));
    return {
      'X-Ops-Sign': signHeaderValue(this.version),
      'X-Ops-Userid': input.userId,
      'X-Ops-Timestamp': timestamp,
      'X-Ops-Content-Hash': digest(this.version === '1.3' ? 'sha256' : 'sha1', input.body),
      ...authorizationHeaders(signature),
    };
  }

  private cryptoKey(): Promise<webcrypto.CryptoKey> {
    this.webKey ??= webcrypto.subtle.importKey(
      'pkcs8',
      this.key.export({ format: 'der', type: 'pkcs8' }),
      { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    return this.webKey;
  }
}
