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
        properties: { name: { type: 'string', minLength: 1, maxLength: 64 }, age: { type: 'integer', minimum: 0, maximum: 150 } },
      },
    },
  },
  async (req) => req.body,
);
for (let i = 1; i < ROUTES; i++) app.get<{ Params: { x: string } }>(`/r${i}/:x`, async (req) => req.params.x);
app.get<{ Params: { name: string } }>('/hello/:name', async (req, rep) => {
  rep.type('text/plain; charset=utf-8');
  return `Hello, ${req.params.name}!`;
});
await app.listen({ port: PORT, host: '127.0.0.1' });
const addr = app.server.address();
ready(typeof addr === 'object' && addr ? addr.port : 0);
