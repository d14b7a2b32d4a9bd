/**
 * Cookies on a real server, on the reactor under test: reply.cookie (plain
 * and signed), clearCookie, cookie.signed against tampering, secret rotation,
 * and a signed cookie with no secret configured.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  cookie,
  type Filter,
  get,
  path,
  type Replyable,
  reply,
  type ServeOptions,
  type Server,
  serve,
} from '../src/index.js';
import { REACTOR } from './reactor.js';

const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close({ timeoutMs: 100 })));
});

const routes = get()
  .and(path('login'))
  .map(() =>
    reply
      .text('welcome')
      .cookie('session', 'user:42', { signed: true, httpOnly: true, sameSite: 'lax', maxAge: 3600 })
      .cookie('theme', 'dark mode', { path: '/app' }),
  )
  .or(
    get()
      .and(path('me'))
      .and(cookie.signed('session'))
      .map((s) => reply.json({ session: s })),
  )
  .or(
    get()
      .and(path('logout'))
      .map(() => reply.text('bye').clearCookie('session')),
  );

async function start(filter: Filter<[Replyable]>, opts: ServeOptions): Promise<string> {
  const s = await serve(filter, { logger: false, ...opts }).listen({ port: 0 });
  servers.push(s);
  return `http://127.0.0.1:${s.port}`;
}

/** The Set-Cookie line of cookie `name`. */
const line = (res: Response, name: string) =>
  res.headers.getSetCookie().find((l) => l.startsWith(`${name}=`)) as string;
/** The `name=value` a client sends back for cookie `name`. */
const pair = (res: Response, name: string) => line(res, name).split(';')[0] as string;

describe(`cookies on the ${REACTOR} reactor`, () => {
  it('sets plain and signed cookies; reads the signed one back; refuses a tampered one', async () => {
    const base = await start(routes, { cookies: { secret: 'a-long-random-secret-0123456789' } });
    const login = await fetch(`${base}/login`);
    expect(login.headers.getSetCookie()).toHaveLength(2);
    expect(line(login, 'session')).toMatch(
      /^session=user%3A42\.[\w-]{43}; Max-Age=3600; Path=\/; HttpOnly; SameSite=Lax$/,
    );
    expect(line(login, 'theme')).toBe('theme=dark%20mode; Path=/app');
    const session = pair(login, 'session');
    const me = await fetch(`${base}/me`, { headers: { cookie: session } });
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({ session: 'user:42' });
    // Tampered: another user id under the same signature, or a made-up signature.
    const forged = session.replace('user%3A42', 'user%3A1');
    const bad = await fetch(`${base}/me`, { headers: { cookie: forged } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ title: 'Bad Request', detail: 'Cookie "session" is not validly signed' });
    expect((await fetch(`${base}/me`, { headers: { cookie: 'session=user%3A42.AAAA' } })).status).toBe(400);
    expect((await fetch(`${base}/me`, { headers: { cookie: 'session=user%3A42' } })).status).toBe(400);
    expect((await fetch(`${base}/me`)).status).toBe(400); // MissingCookie
    const out = await fetch(`${base}/logout`);
    expect(out.headers.getSetCookie()[0]).toMatch(
      /^session=; Max-Age=0; Path=\/; Expires=Thu, 01 Jan 1970 00:00:00 GMT$/,
    );
  });

  it('rotates secrets: the first signs, every one verifies; a retired secret no longer does', async () => {
    const old = await start(routes, { cookies: { secret: 'old-secret-0123456789abcdef' } });
    const session = pair(await fetch(`${old}/login`), 'session');
    const rotated = await start(routes, {
      cookies: { secret: ['new-secret-0123456789abcdef', 'old-secret-0123456789abcdef'] },
    });
    expect((await fetch(`${rotated}/me`, { headers: { cookie: session } })).status).toBe(200);
    const fresh = pair(await fetch(`${rotated}/login`), 'session');
    expect(fresh).not.toBe(session);
    const onlyNew = await start(routes, { cookies: { secret: 'new-secret-0123456789abcdef' } });
    expect((await fetch(`${onlyNew}/me`, { headers: { cookie: fresh } })).status).toBe(200);
    expect((await fetch(`${onlyNew}/me`, { headers: { cookie: session } })).status).toBe(400);
  });

  it('a signed cookie without a configured secret is a 500 (logged), and the server keeps serving', async () => {
    const base = await start(routes, {});
    expect((await fetch(`${base}/login`)).status).toBe(500);
    expect((await fetch(`${base}/logout`)).status).toBe(200);
  });
});
