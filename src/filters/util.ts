/** Small shared helpers for the request filters. */
import { z } from 'zod';
import type { Issue } from '../reply/rejection.js';

/** zod issues reduced to the fields problem+json shows. */
export function issuesOf(error: { issues: readonly { code: string; path: readonly PropertyKey[]; message: string }[] }): Issue[] {
  return error.issues.map((i) => ({ code: i.code, path: i.path, message: i.message }));
}

/**
 * Parse `a=1&b=2&b=3` into a null-prototype record: one value stays a string,
 * repeated keys become an array. Keys like `__proto__` are plain keys here.
 */
export function parseUrlEncoded(text: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  if (text === '') return out;
  for (const [k, v] of new URLSearchParams(text)) {
    const prev = out[k];
    if (prev === undefined) out[k] = v;
    else if (Array.isArray(prev)) prev.push(v);
    else out[k] = [prev, v];
  }
  return out;
}

/** The media type of a Content-Type value, lower-cased, without parameters. */
export function mediaType(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  const semi = contentType.indexOf(';');
  return (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

/**
 * The JSON Schema (draft 2020-12, OpenAPI 3.1's dialect) of what `schema`
 * accepts as input; what JSON Schema cannot say (a transform's output, a
 * custom check) is left open rather than thrown.
 */
export function jsonSchemaOf(schema: unknown): object {
  const zod = schema as { '~standard'?: unknown };
  if (zod === null || typeof zod !== 'object' || !('~standard' in zod)) return (schema as object) ?? {};
  const json = z.toJSONSchema(schema as z.ZodType, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}
