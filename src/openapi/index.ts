/**
 * `openapi(routes, { info })`: an OpenAPI 3.1 document derived from the
 * filters themselves. Each filter says what it reads (path segments and
 * params, methods, query, headers, body, with their zod schemas as JSON
 * Schema via `z.toJSONSchema`); `doc({ summary, tags, responses })` adds what
 * a filter cannot know. `or` branches are operations; `and` joins what its
 * parts read; `map`, `then`, `recover` and wrappers pass through.
 */
import type { z } from 'zod';
import { type DocLeaf, type DocSegment, type Filter, FilterImpl, impl } from '../filter/filter.js';
import { jsonSchemaOf } from '../filters/util.js';

/** What `doc(...)` attaches to a route. */
export interface OperationDoc {
  summary?: string | undefined;
  description?: string | undefined;
  tags?: readonly string[] | undefined;
  operationId?: string | undefined;
  deprecated?: boolean | undefined;
  /**
   * Responses by status: a zod schema (a JSON body), or `{ description, schema, contentType }`.
   * @default { 200: { description: 'OK' } }
   */
  responses?: Readonly<Record<number | string, z.ZodType | ResponseDoc>> | undefined;
}

export interface ResponseDoc {
  description?: string | undefined;
  schema?: z.ZodType | undefined;
  /** @default 'application/json' */
  contentType?: string | undefined;
}

/**
 * A filter that always matches and extracts nothing, carrying documentation
 * for `openapi()`.
 *
 * @example
 * get().and(path('todos', uint.as('id'))).and(doc({ summary: 'One todo', tags: ['todos'], responses: { 200: Todo, 404: { description: 'No such todo' } } }))
 */
export function doc(info: OperationDoc): Filter<[]> {
  return new FilterImpl<[]>('doc', () => [], { doc: { kind: 'info', info } });
}

export interface OpenApiOptions {
  /** The document's `info` (`title` and `version` are required by OpenAPI). */
  info: { title: string; version: string; description?: string };
  /** `servers`, e.g. `[{ url: 'https://api.example.com' }]`. */
  servers?: readonly { url: string; description?: string }[] | undefined;
}

interface Draft {
  segments: DocSegment[];
  methods: Set<string> | undefined;
  query: unknown[];
  headers: { name: string; required: boolean; schema?: unknown }[];
  body: { media: string; schema?: unknown } | undefined;
  info: OperationDoc[];
  ws: boolean;
}

const empty = (): Draft => ({
  segments: [],
  methods: undefined,
  query: [],
  headers: [],
  body: undefined,
  info: [],
  ws: false,
});

function merge(a: Draft, b: Draft): Draft {
  let methods = a.methods ?? b.methods;
  if (a.methods && b.methods) methods = new Set([...a.methods].filter((m) => b.methods?.has(m)));
  return {
    segments: [...a.segments, ...b.segments],
    methods,
    query: [...a.query, ...b.query],
    headers: [...a.headers, ...b.headers],
    body: b.body ?? a.body,
    info: [...a.info, ...b.info],
    ws: a.ws || b.ws,
  };
}

function leaf(f: FilterImpl<unknown[]>): Draft {
  const d = empty();
  for (const c of f.leading) if (c.kind === 'method' && f.pure) d.methods = new Set(c.methods);
  const doc: DocLeaf | undefined = f.doc;
  if (doc === undefined) return d;
  switch (doc.kind) {
    case 'path':
      d.segments = [...doc.segments];
      break;
    case 'query':
      d.query = [doc.schema];
      break;
    case 'header':
      d.headers = [{ name: doc.name, required: doc.required, schema: doc.schema }];
      break;
    case 'body':
      d.body = { media: doc.media, schema: doc.schema };
      break;
    case 'ws':
      d.ws = true;
      d.methods = new Set(['GET']);
      break;
    case 'info':
      d.info = [doc.info as OperationDoc];
      break;
  }
  return d;
}

/** Every operation a filter tree can match, as drafts. */
function walk(f: FilterImpl<unknown[]>): Draft[] {
  if (f.branches !== undefined) return f.branches.flatMap(walk);
  if (f.parts !== undefined) {
    let out: Draft[] = [empty()];
    for (const p of f.parts) {
      const next = walk(p);
      out = out.flatMap((x) => next.map((y) => merge(x, y)));
    }
    return out;
  }
  if (f.inner !== undefined) return walk(f.inner);
  return [leaf(f)];
}

interface Param {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: object;
  description?: string | undefined;
}

/** The path template (params numbered as route templates number them) and its path params. */
function pathOf(segments: readonly DocSegment[]): { path: string; params: Param[] } {
  const seen = new Map<string, number>();
  const params: Param[] = [];
  let out = '';
  for (const s of segments) {
    if (typeof s === 'string') out += `/${s}`;
    else if ('rest' in s) {
      out += '/{path}';
      params.push({
        name: 'path',
        in: 'path',
        required: true,
        schema: { type: 'string' },
        description: 'The rest of the path (may contain /)',
      });
    } else {
      const n = (seen.get(s.label) ?? 0) + 1;
      seen.set(s.label, n);
      const name = `${s.label}${n === 1 ? '' : n}`;
      out += `/{${name}}`;
      params.push({ name, in: 'path', required: true, schema: s.schema() });
    }
  }
  return { path: out === '' ? '/' : out, params };
}

function queryParams(schema: unknown): Param[] {
  const json = jsonSchemaOf(schema) as { properties?: Record<string, object>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({
    name,
    in: 'query',
    required: json.required?.includes(name) ?? false,
    schema: s,
  }));
}

function responsesOf(info: OperationDoc | undefined, ws: boolean): Record<string, object> {
  if (ws) return { '101': { description: 'Switching Protocols: the connection is a WebSocket' } };
  const given = info?.responses;
  if (given === undefined) return { '200': { description: 'OK' } };
  const out: Record<string, object> = {};
  for (const [status, r] of Object.entries(given)) {
    const spec =
      typeof (r as { safeParse?: unknown }).safeParse === 'function' ? { schema: r as z.ZodType } : (r as ResponseDoc);
    const entry: Record<string, unknown> = {
      description: spec.description ?? (status.startsWith('2') ? 'OK' : 'Error'),
    };
    if (spec.schema !== undefined)
      entry.content = { [spec.contentType ?? 'application/json']: { schema: jsonSchemaOf(spec.schema) } };
    out[status] = entry;
  }
  return out;
}

const METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE'] as const;

/**
 * The OpenAPI 3.1 document of `routes`.
 *
 * @example
 * const spec = openapi(api, { info: { title: 'Todos', version: '1.0.0' } });
 * const routes = path('openapi.json').and(get()).map(() => reply.json(spec)).or(api);
 */
export function openapi(routes: Filter<unknown[]>, options: OpenApiOptions): Record<string, unknown> {
  const paths: Record<string, Record<string, object>> = {};
  for (const d of walk(impl(routes) as FilterImpl<unknown[]>)) {
    if (d.segments.length === 0 && d.methods === undefined && d.info.length === 0) continue; // matches anything: not an operation
    const { path, params } = pathOf(d.segments);
    const info = Object.assign({}, ...d.info) as OperationDoc;
    const parameters: Param[] = [...params];
    for (const q of d.query) parameters.push(...queryParams(q));
    for (const h of d.headers)
      parameters.push({
        name: h.name,
        in: 'header',
        required: h.required,
        schema: h.schema === undefined ? { type: 'string' } : jsonSchemaOf(h.schema),
      });
    const methods = d.methods === undefined ? ['GET'] : METHODS.filter((m) => d.methods?.has(m));
    for (const m of methods) {
      const op: Record<string, unknown> = {};
      if (info.summary !== undefined) op.summary = info.summary;
      if (info.description !== undefined || d.ws) op.description = info.description ?? 'WebSocket upgrade';
      if (info.tags !== undefined) op.tags = [...info.tags];
      if (info.operationId !== undefined) op.operationId = info.operationId;
      if (info.deprecated) op.deprecated = true;
      if (parameters.length > 0) op.parameters = parameters;
      if (d.body !== undefined) {
        op.requestBody = {
          required: true,
          content: { [d.body.media]: { schema: d.body.schema === undefined ? {} : jsonSchemaOf(d.body.schema) } },
        };
      }
      op.responses = responsesOf(info, d.ws);
      const entry = (paths[path] ??= {});
      entry[m.toLowerCase()] ??= op; // the first branch that documents a path and method wins (as it is the one that matches)
    }
  }
  const doc: Record<string, unknown> = { openapi: '3.1.0', info: { ...options.info } };
  if (options.servers !== undefined) doc.servers = options.servers.map((s) => ({ ...s }));
  doc.paths = paths;
  return doc;
}
