/** Hono 4 on @hono/node-server, with Hono's own validator. */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { validator } from 'hono/validator';
import { JSON_BODY, PORT, ROUTES, ready, validPerson } from './common.js';

const app = new Hono();
app.get('/json', (c) => c.json(JSON_BODY));
app.post(
  '/echo',
  validator('json', (v, c) => (validPerson(v) ? v : c.text('invalid', 400))),
  (c) => c.json(c.req.valid('json')),
);
for (let i = 1; i < ROUTES; i++) app.get(`/r${i}/:x`, (c) => c.text(c.req.param('x')));
app.get('/hello/:name', (c) => c.text(`Hello, ${c.req.param('name')}!`));
serve({ fetch: app.fetch, port: PORT, hostname: '127.0.0.1' }, (info) => ready(info.port));
