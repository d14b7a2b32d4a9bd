/** openapi(): the document derived from filters. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import * as zm from 'zod/mini';
import { body, del, doc, get, header, int, openapi, path, post, put, query, reply, str, uint, ws } from '../index.js';

const Todo = z.object({ id: z.number().int().nonnegative(), text: z.string().min(1), completed: z.boolean() });
const Paging = z.object({
  offset: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).default(20),
});

const api = get()
  .and(path('todos'))
  .and(query(Paging))
  .and(doc({ summary: 'List todos', tags: ['todos'], responses: { 200: z.array(Todo) } }))
  .map(() => reply.json([]))
  .or(
    post()
      .and(path('todos'))
      .and(body.json(Todo))
      .and(doc({ summary: 'Create', responses: { 201: Todo, 400: { description: 'Invalid todo' } } }))
      .map((t) => t),
  )
  .or(
    put()
      .and(path('todos', uint.as('id')))
      .and(body.json(Todo))
      .map((_id, t) => t),
  )
  .or(
    del()
      .and(path('todos', uint.as('id')))
      .and(header('authorization'))
      .map(() => reply.empty(204)),
  )
  .or(
    get()
      .and(path('a', int, 'b', int))
      .map(() => 'x'),
  )
  .or(
    get()
      .and(path('search', str))
      .and(header.optional('x-trace'))
      .map(() => 'x'),
  )
  .or(
    path('ws')
      .and(ws())
      .map((u) => u.onUpgrade(async () => {})),
  )
  .recover((r) => r);

describe('openapi()', () => {
  const spec = openapi(api, {
    info: { title: 'Todos', version: '1.0.0' },
    servers: [{ url: 'http://127.0.0.1:3030' }],
  }) as {
    openapi: string;
    info: unknown;
    servers: unknown;
    paths: Record<string, Record<string, Record<string, unknown>>>;
  };

  it('is OpenAPI 3.1 with the given info and servers', () => {
    expect(spec.openapi).toBe('3.1.0');
    expect(spec.info).toEqual({ title: 'Todos', version: '1.0.0' });
    expect(spec.servers).toEqual([{ url: 'http://127.0.0.1:3030' }]);
    expect(Object.keys(spec.paths).sort()).toEqual([
      '/a/{int}/b/{int2}',
      '/search/{str}',
      '/todos',
      '/todos/{id}',
      '/ws',
    ]);
  });

  it('has methods, path params with their types, query params from the schema, headers and bodies', () => {
    const list = spec.paths['/todos']?.get as Record<string, unknown>;
    expect(list.summary).toBe('List todos');
    expect(list.tags).toEqual(['todos']);
    expect(list.parameters).toEqual([
      {
        name: 'offset',
        in: 'query',
        required: false,
        schema: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
      },
      {
        name: 'limit',
        in: 'query',
        required: false,
        schema: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER, default: 20 },
      },
    ]);
    expect(
      (list.responses as Record<string, { content: Record<string, { schema: { type: string } }> }>)['200']?.content[
        'application/json'
      ]?.schema.type,
    ).toBe('array');
    const create = spec.paths['/todos']?.post as Record<string, unknown>;
    expect(create.requestBody).toMatchObject({
      required: true,
      content: { 'application/json': { schema: { type: 'object', required: ['id', 'text', 'completed'] } } },
    });
    expect(Object.keys(create.responses as object)).toEqual(['201', '400']);
    const update = spec.paths['/todos/{id}']?.put as Record<string, unknown>;
    expect(update.parameters).toEqual([
      { name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 0 } },
    ]);
    expect(update.responses).toEqual({ '200': { description: 'OK' } });
    const remove = spec.paths['/todos/{id}']?.delete as Record<string, unknown>;
    expect(remove.parameters).toContainEqual({
      name: 'authorization',
      in: 'header',
      required: true,
      schema: { type: 'string' },
    });
    expect(
      (spec.paths['/a/{int}/b/{int2}']?.get as { parameters: { name: string }[] }).parameters.map((p) => p.name),
    ).toEqual(['int', 'int2']);
    expect((spec.paths['/search/{str}']?.get as { parameters: unknown[] }).parameters).toContainEqual({
      name: 'x-trace',
      in: 'header',
      required: false,
      schema: { type: 'string' },
    });
    expect(spec.paths['/ws']?.get).toMatchObject({ description: 'WebSocket upgrade', responses: { '101': {} } });
    // get() also accepts HEAD; OpenAPI lists GET.
    expect(spec.paths['/todos']?.head).toBeUndefined();
  });

  it('documents what JSON Schema cannot express (a transform) by its input instead of throwing', () => {
    const T = z.object({ n: z.string().transform((s) => Number(s)) });
    const s = openapi(
      post()
        .and(path('t'))
        .and(body.json(T))
        .map(() => 'x'),
      { info: { title: 't', version: '1' } },
    ) as {
      paths: Record<string, { post: { requestBody: { content: Record<string, { schema: unknown }> } } }>;
    };
    expect(s.paths['/t']?.post.requestBody.content['application/json']?.schema).toMatchObject({
      properties: { n: { type: 'string' } },
    });
  });

  it('documents a schema without a toJSONSchema method (zod/mini, an older zod 4) through zod core', () => {
    const M = zm.object({ title: zm.string().check(zm.minLength(2)), done: zm.optional(zm.boolean()) });
    const route = get()
      .and(path('m'))
      .and(doc({ responses: { 200: { schema: M as unknown as z.ZodType } } }))
      .map(() => 'x');
    const s = openapi(route, { info: { title: 't', version: '1' } }) as {
      paths: Record<string, { get: { responses: Record<string, { content: Record<string, { schema: unknown }> }> } }>;
    };
    expect(s.paths['/m']?.get.responses['200']?.content['application/json']?.schema).toEqual({
      type: 'object',
      properties: { title: { type: 'string', minLength: 2 }, done: { type: 'boolean' } },
      required: ['title'],
    });
  });
});
