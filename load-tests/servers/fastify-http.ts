/** Fastify 5 with its own JSON-schema validation; logger off (its default). */
import Fastify from 'fastify';
import { JSON_BODY, PORT, ROUTES, ready } from './common.js';

const app = Fastify({ logger: false });
app.get('/json', async () => JSON_BODY);
app.post(
  '/echo',
  {
    schema: {
      body: {
        type: 'object',
        required: ['name', 'age'],
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 64 },
          age: { type: 'integer', minimum: 0, maximum: 150 },
        },
      },
    },
  },
  async (req) => req.body,
);
let nextTodo = 0;
app.post<{ Body: Record<string, unknown> }>(
  '/todos',
  {
    schema: {
      body: {
        type: 'object',
        required: ['title', 'done', 'priority', 'tags'],
        properties: {
          title: { type: 'string', minLength: 1, maxLength: 200 },
          done: { type: 'boolean' },
          priority: { type: 'integer', minimum: 1, maximum: 5 },
          tags: { type: 'array', maxItems: 10, items: { type: 'string', maxLength: 32 } },
        },
      },
    },
  },
  async (req, rep) => {
    rep.code(201);
    return { id: ++nextTodo, ...req.body };
  },
);
app.get<{ Querystring: { q: string; page: number }; Headers: { 'x-api-key': string; 'accept-language': string } }>(
  '/search',
  {
    schema: {
      querystring: {
        type: 'object',
        required: ['q'],
        properties: {
          q: { type: 'string', minLength: 1, maxLength: 100 },
          page: { type: 'integer', minimum: 1, maximum: 1000, default: 1 },
        },
      },
      headers: {
        type: 'object',
        required: ['x-api-key', 'accept-language'],
        properties: { 'x-api-key': { type: 'string' }, 'accept-language': { type: 'string' } },
      },
    },
  },
  async (req) => ({
    q: req.query.q,
    page: req.query.page,
    key: req.headers['x-api-key'],
    lang: req.headers['accept-language'],
  }),
);
for (let i = 1; i < ROUTES; i++) app.get<{ Params: { x: string } }>(`/r${i}/:x`, async (req) => req.params.x);
app.get<{ Params: { name: string } }>('/hello/:name', async (req, rep) => {
  rep.type('text/plain; charset=utf-8');
  return `Hello, ${req.params.name}!`;
});
await app.listen({ port: PORT, host: '127.0.0.1' });
const addr = app.server.address();
ready(typeof addr === 'object' && addr ? addr.port : 0);
