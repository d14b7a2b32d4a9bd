/**
 * A new user's first hour, over the wire on each reactor: a notes service with
 * a broadcast channel, 404 vs 405, a map that rejects, CORS on error answers,
 * a query schema with z.number(), and a WebSocket route that forgets to
 * upgrade. Where the harness applies, the same request goes through it too.
 */
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { z } from 'zod';
import {
  body,
  channel,
  cors,
  del,
  type Filter,
  get,
  NotFound,
  path,
  post,
  query,
  type Replyable,
  reject,
  reply,
  type Sender,
  type Server,
  serve,
  uint,
  ws,
} from '../src/index.js';
import { HandshakeRejected, request, wsRequest } from '../src/test/index.js';
import { memoryLogger } from './helpers.js';
import { REACTOR } from './reactor.js';

const gc = (globalThis as { gc?: () => void }).gc;
/** A full collection, then a few turns of the event loop so finalizers would have run. */
async function collect(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((r) => setImmediate(r));
  }
}

const Note = z.object({ text: z.string().min(1) });
type NoteT = z.infer<typeof Note>;

/** The notes service: GET, DELETE /notes/:uint; POST /notes tells a channel. */
function notesService(tx: Sender<NoteT>, methodFirst: boolean, reversed: boolean): Filter<[Replyable]> {
  const notes = new Map<number, NoteT>([[1, { text: 'first' }]]);
  let next = 2;
  const at = <T extends unknown[]>(m: Filter<[]>, p: Filter<T>): Filter<T> => (methodFirst ? m.and(p) : p.and(m));
  const routes: Filter<[Replyable]>[] = [
    at(get(), path('notes', uint)).andThen((id) => notes.get(id) ?? reject.with(new NotFound(`No note ${id}`))),
    at(del(), path('notes', uint)).map((id) => reply.empty(notes.delete(id) ? 204 : 404)),
    at(post(), path('notes'))
      .and(body.json(Note, { limit: 64 }))
      .map((note) => {
        const id = next++;
        notes.set(id, note);
        return reply.json({ id, seen: tx.send(note) }).status(201);
      }),
  ];
  if (reversed) routes.reverse();
  return routes.reduce((a, b) => a.or(b));
}

/** A channel whose receiver nobody keeps (as `const [tx] = channel(16)` in an app). */
function unkeptChannel(): Sender<NoteT> {
  const [tx] = channel<NoteT>(16);
  return tx;
}

let server: Server | undefined;
async function start(
  routes: Filter<[Replyable]>,
  logger: false | ReturnType<typeof memoryLogger>['logger'] = false,
): Promise<string> {
  await server?.close({ timeoutMs: 1000 });
  server = await serve(routes, { logger }).listen({ port: 0 });
  return `http://127.0.0.1:${server.port}`;
}
afterAll(async () => {
  await server?.close({ timeoutMs: 1000 });
});

const postNote = (base: string, text: string) =>
  fetch(`${base}/notes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text }),
  });

describe(`a broadcast channel in a request handler (${REACTOR} reactor)`, () => {
  it('answers the same before and after forced collections when nobody keeps the receiver', async () => {
    expect(gc, 'run with --expose-gc (vitest.config.ts sets it)').toBeTypeOf('function');
    const base = await start(notesService(unkeptChannel(), true, false));
    const answers: { status: number; seen: unknown }[] = [];
    for (const text of ['a', 'b', 'c']) {
      const res = await postNote(base, text);
      answers.push({ status: res.status, seen: ((await res.json()) as { seen?: number }).seen });
      await collect();
    }
    expect(answers).toEqual([
      { status: 201, seen: 1 },
      { status: 201, seen: 1 },
      { status: 201, seen: 1 },
    ]);
  });

  it('answers 201 with seen 0 when every receiver was closed, in the harness and over the wire', async () => {
    const [tx, rx] = channel<NoteT>(16);
    rx.close();
    const routes = notesService(tx, true, false);
    const viaHarness = await request().method('POST').path('/notes').json({ text: 'x' }).reply(routes);
    expect([viaHarness.status, viaHarness.json<{ seen: number }>().seen]).toEqual([201, 0]);
    const base = await start(routes);
    await collect();
    const res = await postNote(base, 'y');
    expect([res.status, ((await res.json()) as { seen: number }).seen]).toEqual([201, 0]);
  });
});

describe('404 and 405 over the wire', () => {
  for (const methodFirst of [true, false]) {
    for (const reversed of [false, true]) {
      it(`answers 404 unless the path exists, else 405 with Allow (${methodFirst ? 'method().and(path)' : 'path.and(method())'}, ${reversed ? 'reversed' : 'in order'})`, async () => {
        const routes = notesService(unkeptChannel(), methodFirst, reversed);
        const base = await start(routes);
        const at = async (method: string, p: string) => {
          const res = await fetch(`${base}${p}`, { method });
          const text = await res.text();
          const harness = await request().method(method).path(p).reply(routes);
          expect({ status: harness.status, allow: harness.headers.allow }).toEqual({
            status: res.status,
            allow: res.headers.get('allow') ?? undefined,
          });
          return {
            status: res.status,
            allow: res.headers.get('allow'),
            detail: text ? (JSON.parse(text) as { detail?: string }).detail : undefined,
          };
        };
        expect(await at('GET', '/notes/999')).toEqual({ status: 404, allow: null, detail: 'No note 999' });
        expect((await at('GET', '/notes/abc')).status).toBe(404);
        expect((await at('DELETE', '/notes/abc')).status).toBe(404);
        expect(await at('PUT', '/notes/1')).toMatchObject({ status: 405, allow: 'GET, HEAD, DELETE' });
        expect(await at('GET', '/notes')).toMatchObject({ status: 405, allow: 'POST' });
        expect((await at('GET', '/nope')).status).toBe(404);
      });
    }
  }
});

describe('a Rejection returned from map', () => {
  it('is answered as that rejection, never as a 200 body', async () => {
    const smuggled = (): string => reject.notFound() as unknown as string;
    const routes = get().and(path('notes', uint)).map(smuggled);
    const base = await start(routes);
    const res = await fetch(`${base}/notes/5`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.text()).not.toContain('reasons');
  });
});

describe('cors() on error answers', () => {
  it('adds the CORS headers to 400, 404, 405 and 413 problem replies', async () => {
    const routes = notesService(unkeptChannel(), true, false)
      .or(
        get()
          .and(path('search'))
          .and(query(z.object({ limit: z.coerce.number<number>().int().max(100) })))
          .map((q) => q),
      )
      .with(cors({ origins: ['https://app.example'] }));
    const base = await start(routes);
    const origin = { origin: 'https://app.example' };
    const answers = [
      await fetch(`${base}/search?limit=1000`, { headers: origin }),
      await fetch(`${base}/nope`, { headers: origin }),
      await fetch(`${base}/notes/1`, { method: 'PUT', headers: origin }),
      await fetch(`${base}/notes`, {
        method: 'POST',
        headers: { ...origin, 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'x'.repeat(200) }),
      }),
    ];
    expect(answers.map((r) => r.status)).toEqual([400, 404, 405, 413]);
    for (const r of answers) {
      expect(r.headers.get('content-type')).toBe('application/problem+json');
      expect(r.headers.get('access-control-allow-origin')).toBe('https://app.example');
      await r.arrayBuffer();
    }
  });
});

describe('a query schema with z.number()', () => {
  it('answers 400 with a detail that says query values are text and names z.coerce.number()', async () => {
    const routes = get()
      .and(path('search'))
      .and(query(z.object({ limit: z.number() })))
      .map((q) => q);
    const base = await start(routes);
    const res = await fetch(`${base}/search?limit=5`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { detail: string }).detail).toContain('query values are text, so "limit"');
  });
});

describe('a WebSocket route whose handler never calls onUpgrade', () => {
  // The handler forgot to return upgrade.onUpgrade(...): it answers the handshake with a string.
  const broken = path('live')
    .and(ws())
    .map(() => 'no upgrade here');

  it('answers the handshake 500 and logs why, instead of leaving the client waiting', async () => {
    const { logger, lines } = memoryLogger();
    const base = await start(broken, logger);
    const status = await new Promise<number>((resolve, fail) => {
      const client = new WebSocket(`${base.replace('http', 'ws')}/live`);
      client.once('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        client.terminate();
      });
      client.once('open', () => fail(new Error('upgraded')));
      client.once('error', fail);
    });
    expect(status).toBe(500);
    const logged = lines.find((l) => l.msg === 'request handler failed');
    expect((logged?.err as { message?: string } | undefined)?.message).toContain(
      'must return upgrade.onUpgrade(handler)',
    );
  });

  it('is the same 500 in the harness, while a 4xx reply that refuses the handshake stays as it is', async () => {
    const refused = await wsRequest()
      .path('/live')
      .handshake(broken)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(refused).toBeInstanceOf(HandshakeRejected);
    expect((refused as HandshakeRejected).response.status).toBe(500);
    const refusing = path('live')
      .and(ws())
      .map(() => reply.text('not you').status(403));
    const res = await wsRequest()
      .path('/live')
      .handshake(refusing)
      .then(
        () => undefined,
        (e: unknown) => (e as HandshakeRejected).response,
      );
    expect(res?.status).toBe(403);
  });
});
