/** Small shared helpers for the request filters. */
import { createRequire } from 'node:module';
import type { z } from 'zod';
import { blankRecord } from '../runtime/record.js';

/**
 * Parse `a=1&b=2&b=3` into a record that inherits no keys: one value stays a string,
 * repeated keys become an array. Keys like `__proto__` are plain keys here.
 */
export function parseUrlEncoded(text: string): Record<string, string | string[]> {
  const out = blankRecord<string | string[]>();
  if (text === '') return out;
  // By hand for the common case (URLSearchParams and its iterator cost ~4x more);
  // URLSearchParams itself where its leniency matters (a malformed %-escape).
  let at = text.charCodeAt(0) === 0x3f ? 1 : 0; // a leading '?' is dropped, as URLSearchParams does
  while (at <= text.length) {
    let end = text.indexOf('&', at);
    if (end === -1) end = text.length;
    if (end > at) {
      const eq = text.indexOf('=', at);
      const split = eq !== -1 && eq < end;
      const k = decodeForm(text, at, split ? eq : end);
      const v = split ? decodeForm(text, eq + 1, end) : '';
      if (k === undefined || v === undefined) return parseLenient(text);
      addValue(out, k, v);
    }
    at = end + 1;
  }
  return out;
}

/** `application/x-www-form-urlencoded` decoding of `text[from, to)`; undefined for a malformed %-escape. */
function decodeForm(text: string, from: number, to: number): string | undefined {
  let s = text.slice(from, to);
  if (s.includes('+')) s = s.replaceAll('+', ' ');
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** URLSearchParams' reading, which keeps malformed %-escapes as they are. */
function parseLenient(text: string): Record<string, string | string[]> {
  const out = blankRecord<string | string[]>();
  for (const [k, v] of new URLSearchParams(text)) addValue(out, k, v);
  return out;
}

/** A repeated key collects its values in order. */
function addValue(out: Record<string, string | string[]>, k: string, v: string): void {
  const prev = out[k];
  if (prev === undefined) out[k] = v;
  else if (Array.isArray(prev)) prev.push(v);
  else out[k] = [prev, v];
}

/** The media type of a Content-Type value, lower-cased, without parameters. */
export function mediaType(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  const semi = contentType.indexOf(';');
  return (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

type JsonSchemaParams = { io: 'input'; unrepresentable: 'any'; target: 'draft-2020-12' };
const JSON_SCHEMA_PARAMS: JsonSchemaParams = { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' };

/**
 * The JSON Schema (draft 2020-12, OpenAPI 3.1's dialect) of what `schema`
 * accepts as input; what JSON Schema cannot say (a transform's output, a
 * custom check) is left open rather than thrown.
 *
 * zod's own schemas carry `toJSONSchema`, so weft never loads zod itself (an
 * application without schemas does not pay its ~10 MiB); zod/mini schemas,
 * which do not, go through zod's core, loaded on first use.
 */
export function jsonSchemaOf(schema: unknown): object {
  const zod = schema as { '~standard'?: unknown; toJSONSchema?: (params: JsonSchemaParams) => unknown };
  if (zod === null || typeof zod !== 'object' || !('~standard' in zod)) return (schema as object) ?? {};
  const json = (
    typeof zod.toJSONSchema === 'function'
      ? zod.toJSONSchema(JSON_SCHEMA_PARAMS)
      : zodCore().toJSONSchema(schema as z.ZodType, JSON_SCHEMA_PARAMS)
  ) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

let core: typeof import('zod/v4/core') | undefined;
function zodCore(): typeof import('zod/v4/core') {
  core ??= createRequire(import.meta.url)('zod/v4/core') as typeof import('zod/v4/core');
  return core;
}
