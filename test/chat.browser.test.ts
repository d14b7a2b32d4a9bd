/**
 * Two real Chromium pages chatting through the demo. Uses Debian's chromium
 * (`apt-get install chromium`), driven by playwright-core; it never downloads
 * a browser. A screenshot is saved to test-artifacts/chat-browser.png.
 * Then the chat survives: a tab whose instance is killed comes back on the
 * other one, through a balancer, and misses nothing.
 */
import { existsSync, mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Balancer, balancer } from './balancer.js';
import { launchChromium } from './browser.js';
import { until } from './helpers.js';
import { type Child, startExample } from './process.js';
import { REACTOR } from './reactor.js';
import { type RedisServer, startRedis } from './redis.js';

let app: Child;
let browser: Browser;
let redis: RedisServer | undefined;
const instances: Child[] = [];
const balancers: Balancer[] = [];
let pair: Promise<[Child, Child]> | undefined;

/** Two instances joined by one Redis (started once, for the tests that need them). */
function redisPair(): Promise<[Child, Child]> {
  pair ??= (async () => {
    redis = await startRedis();
    // A short presence TTL: the members of a killed instance are reaped (and their leave sent) within 2.5 s.
    const env = { REDIS_URL: redis.url, PRESENCE_TTL_MS: '2000' };
    const [a, b] = await Promise.all([
      startExample('examples/chat/server.ts', env),
      startExample('examples/chat/server.ts', env),
    ]);
    instances.push(a, b);
    return [a, b];
  })();
  return pair;
}

beforeAll(async () => {
  browser = await launchChromium();
  app = await startExample('examples/chat/server.ts');
  // The chat runs on the reactor under test (under Bun for bun, as `bun examples/chat/server.ts` starts it).
  expect(app.lines.find((l) => l.msg === 'weft listening')?.reactor).toBe(REACTOR);
});

afterAll(async () => {
  for (const b of balancers) b.close();
  await browser?.close();
  app?.proc.kill('SIGKILL');
  for (const i of instances) i.proc.kill('SIGKILL');
  await redis?.stop();
});

/** Alice on `baseA`, Bob on `baseB`: join, see each other, chat both ways, leave. */
async function converse(baseA: string, baseB: string, room: string, screenshot?: string): Promise<void> {
  const alice = await browser.newPage({ viewport: { width: 900, height: 560 } });
  const bob = await browser.newPage({ viewport: { width: 900, height: 560 } });
  const errors: string[] = [];
  for (const [page, name, base] of [
    [alice, 'alice', baseA],
    [bob, 'bob', baseB],
  ] as const) {
    page.on('pageerror', (err) => errors.push(`${name}: ${err.message}`));
    // The page's only script is the bundle of page/main.ts: what chats below is the typed client.
    const script = page.waitForResponse((r) => new URL(r.url()).pathname === '/main.js');
    await page.goto(base);
    expect((await script).status()).toBe(200);
    expect(await page.locator('script').evaluateAll((els) => els.map((e) => e.getAttribute('src')))).toEqual([
      '/main.js',
    ]);
    await page.fill('#name', name);
    await page.fill('#room', room);
    await page.click('#connect');
    await page.waitForSelector(`#status:has-text("connected as ${name}")`);
  }
  await alice.waitForSelector('#users li:has-text("bob")');
  await alice.waitForSelector('#log li.notice:has-text("bob joined")');

  await alice.fill('#text', 'hi bob, this is alice');
  await alice.press('#text', 'Enter');
  await bob.waitForSelector('#log li.message:has-text("hi bob, this is alice")');
  await bob.fill('#text', 'hello alice!');
  await bob.click('#sendBtn');
  await alice.waitForSelector('#log li.message:has-text("hello alice!")');

  const aliceLog = await alice.locator('#log li.message').allTextContents();
  expect(aliceLog.join('\n')).toMatch(/alice.*hi bob, this is alice[\s\S]*bob.*hello alice!/);
  expect(await bob.locator('#users li').allTextContents()).toEqual(['alice', 'bob']);

  if (screenshot) {
    mkdirSync('test-artifacts', { recursive: true });
    await alice.screenshot({ path: screenshot });
    expect(existsSync(screenshot)).toBe(true);
  }

  await bob.click('#connect'); // leave
  await alice.waitForSelector('#log li.notice:has-text("bob left")');
  expect(await alice.locator('#users li').allTextContents()).toEqual(['alice']);
  await bob.waitForSelector('#status:has-text("disconnected (1000 bye)")');
  expect(await bob.locator('#connect').textContent()).toBe('Join');
  expect(errors).toEqual([]);
  await alice.close();
  await bob.close();
}

describe(`chat in a real browser (${REACTOR} reactor)`, () => {
  it('two pages join the same room and chat with each other', async () => {
    await converse(
      `http://127.0.0.1:${app.port}/`,
      `http://127.0.0.1:${app.port}/`,
      'browsers',
      'test-artifacts/chat-browser.png',
    );
  });

  it('two tabs on two instances joined by Redis are one chat', async () => {
    const [a, b] = await redisPair();
    await converse(`http://127.0.0.1:${a.port}/`, `http://127.0.0.1:${b.port}/`, 'two-instances');
  });

  // Last: it kills the first instance of the pair.
  it('a tab whose instance is killed comes back on the other one through the balancer and misses nothing', async () => {
    const [a, b] = await redisPair();
    let open = true; // the balancer holds the tab off while bob talks, so what it missed is replayed
    const lb = await balancer(() => (open ? [a.port, b.port] : [])); // the first live instance: A, then B
    balancers.push(lb);
    const errors: string[] = [];
    const room = 'survives';
    const alice = await tab(`http://127.0.0.1:${lb.port}/`, 'alice', room, errors); // on A
    const bob = await tab(`http://127.0.0.1:${b.port}/`, 'bob', room, errors); // on B
    await alice.waitForSelector('#log li.notice:has-text("bob joined")');
    const say = async (text: string) => {
      await bob.fill('#text', text);
      await bob.press('#text', 'Enter');
      await bob.waitForSelector(`#log li.message:has-text("${text}")`);
    };
    const before = ['before 0', 'before 1', 'before 2'];
    for (const t of before) await say(t);
    await alice.waitForSelector('#log li.message:has-text("before 2")');

    open = false;
    a.proc.kill('SIGKILL');
    await a.exited;
    await alice.waitForSelector('#status:has-text("reconnecting")');
    // Sending stays on while reconnecting: the message waits, and goes out once back.
    expect(await alice.locator('#text').isDisabled()).toBe(false);
    await alice.fill('#text', 'alice, while away');
    await alice.press('#text', 'Enter');
    const during = Array.from({ length: 12 }, (_, i) => `during ${i}`);
    for (const t of during) await say(t);

    open = true; // A refuses: B it is
    await alice.waitForSelector('#log li.notice.reconnected');
    await bob.waitForSelector('#log li.message:has-text("alice, while away")');
    const after = ['after 0', 'after 1'];
    for (const t of after) await say(t);
    await alice.waitForSelector('#log li.message:has-text("after 1")');

    const texts = (page: Page) => page.locator('#log li.message > span:last-child').allTextContents();
    const all = [...before, ...during, 'alice, while away', ...after];
    expect(await texts(alice)).toEqual(all); // each once, in order
    expect(await texts(bob)).toEqual(all);
    expect(await alice.locator('#log li.notice.reconnected').count()).toBe(1);
    expect(await alice.locator('#log li.notice.lost').count()).toBe(0);
    expect(await alice.locator('#status').textContent()).toBe(`connected as alice in #${room}`);
    // Presence: alice's entry from A is reaped and its leave sent; both lists end up right.
    const users = async (page: Page) => (await page.locator('#users li').allTextContents()).sort().join(',');
    for (const page of [alice, bob])
      await until(async () => (await users(page)) === 'alice,bob', 10_000).catch(async (e) => {
        throw new Error(
          `users: alice [${await users(alice)}], bob [${await users(bob)}]; alice log: ${(await alice.locator('#log li').allTextContents()).join(' | ')}; bob log: ${(await bob.locator('#log li').allTextContents()).join(' | ')}`,
          { cause: e },
        );
      });
    // ... whether that leave was sent while alice was away (then replayed) or after: once.
    expect(await alice.locator('#log li.notice:has-text("alice left")').count()).toBe(1);
    expect(errors).toEqual([]);
    await alice.click('#connect'); // leave: for good
    await alice.waitForSelector('#status:has-text("disconnected (1000 bye)")');
    await until(async () => (await bob.locator('#log li.notice:has-text("alice left")').count()) === 2); // A's, then hers
    expect(await bob.locator('#users li').allTextContents()).toEqual(['bob']);
    await alice.close();
    await bob.close();
  });
});

/** A page at `base` joined to `room` as `name`. */
async function tab(base: string, name: string, room: string, errors: string[]): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 900, height: 560 } });
  page.on('pageerror', (err) => errors.push(`${name}: ${err.message}`));
  await page.goto(base);
  await page.fill('#name', name);
  await page.fill('#room', room);
  await page.click('#connect');
  await page.waitForSelector(`#status:has-text("connected as ${name}")`);
  return page;
}
