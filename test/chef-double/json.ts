import { badRequest } from './http';

export type JsonObject = Record<string, unknown>;

export const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Object names Chef Server accepts in URLs (nodes may contain ':' and '.'). */
export const NAME_RE = /^[A-Za-z0-9_.:-]+$/;
/** Chef 12 user and organization names are lower case. */
export const USERNAME_RE = /^[a-z0-9_.-]+$/;
export const ORGNAME_RE = /^[a-z0-9][a-z0-9_-]{0,254}$/;

export function parseJsonBody(body: Buffer): JsonObject {
  if (body.length === 0) throw badRequest('Missing request body');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw badRequest('Malformed JSON in request body');
  }
  if (!isObject(parsed)) throw badRequest('Request body must be a JSON object');
  return parsed;
}

export function requiredString(obj: JsonObject, key: string): string {
  const value = obj[key];
  if (value === undefined || value === null || value === '') throw badRequest(`Field '${key}' missing`);
  if (typeof value !== 'string') throw badRequest(`Field '${key}' invalid`);
  return value;
}

export function optionalString(obj: JsonObject, key: string): string | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw badRequest(`Field '${key}' invalid`);
  return value;
}

export function stringList(value: unknown, what: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string')) {
    throw badRequest(`Field '${what}' invalid`);
  }
  return value;
}

export function checkName(name: string, what: string, re: RegExp = NAME_RE): string {
  if (!re.test(name)) throw badRequest(`Field '${what}' invalid`);
  return name;
}

export const sorted = (values: Iterable<string>): string[] => [...new Set(values)].sort();
