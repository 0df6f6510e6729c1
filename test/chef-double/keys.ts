import { createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { badRequest } from './http';

export interface KeyPair {
  publicKey: string;
  /** PKCS#1 PEM, the form Chef Server hands out. */
  privateKey: string;
}

/** One named public key of a user or client, as the /keys endpoints expose it. */
export interface ActorKey {
  name: string;
  publicKey: string;
  expirationDate: string;
  key: KeyObject;
}

const generate = promisify(generateKeyPair);

export async function newKeyPair(): Promise<KeyPair> {
  return generate('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
}

export function actorKey(name: string, publicKey: unknown, expirationDate = 'infinity'): ActorKey {
  if (typeof publicKey !== 'string') throw badRequest("Field 'public_key' invalid");
  let key: KeyObject;
  try {
    key = createPublicKey(publicKey);
  } catch {
    throw badRequest("Field 'public_key' invalid: not a PEM encoded RSA public key");
  }
  if (key.asymmetricKeyType !== 'rsa') throw badRequest("Field 'public_key' invalid: not an RSA key");
  return { name, publicKey, expirationDate, key };
}

export const isExpired = (key: ActorKey, now = Date.now()): boolean =>
  key.expirationDate !== 'infinity' && Date.parse(key.expirationDate) <= now;

/**
 * Spare key pairs generated ahead of time, like erchef's keygen cache: RSA generation costs tens of
 * milliseconds, and end-to-end tests create many users, clients and orgs.
 */
export class KeyPool {
  private readonly spare: KeyPair[] = [];
  private filling = false;
  private stopped = false;

  constructor(readonly size: number) {}

  get available(): number {
    return this.spare.length;
  }

  start(): void {
    this.refill();
  }

  stop(): void {
    this.stopped = true;
  }

  async take(): Promise<KeyPair> {
    const pair = this.spare.shift();
    this.refill();
    return pair ?? newKeyPair();
  }

  private refill(): void {
    if (this.filling || this.stopped) return;
    this.filling = true;
    const fill = async (): Promise<void> => {
      while (!this.stopped && this.spare.length < this.size) this.spare.push(await newKeyPair());
    };
    void fill()
      .catch(() => undefined)
      .finally(() => {
        this.filling = false;
      });
  }
}
