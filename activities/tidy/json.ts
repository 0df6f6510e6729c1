export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

export const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The layout knife-ec-backup itself writes (2-space pretty print) plus a trailing newline. */
export const serializeJson = (value: Json): string => `${JSON.stringify(value, null, 2)}\n`;

export const stripJsonExt = (name: string): string => name.replace(/\.json$/, '');
