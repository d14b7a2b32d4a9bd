/**
 * Two real Chromium pages chatting through the demo. Uses Debian's chromium
 * (`apt-get install chromium`), driven by playwright-core; it never downloads
 * a browser. A screenshot is saved to test-artifacts/chat-browser.png.
 */
import { existsSync, mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './browser.js';
import { type Child, startExample } from './process.js';
import { REACTOR } from './reactor.js';
import { type RedisServer, startRedis } from './redis.js';

let app: Child;
let browser: Browser;
let redis: RedisServer | undefined;
const instances: Child[] = [];

beforeAll(async () => {
  browser = await launchChromium();
  app = await startExample('examples/chat/server.ts');
});

afterAll(async () => {
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
    redis = await startRedis();
    const env = { REDIS_URL: redis.url };
    const [a, b] = await Promise.all([
      startExample('examples/chat/server.ts', env),
      startExample('examples/chat/server.ts', env),
    ]);
    instances.push(a, b);
    await converse(`http://127.0.0.1:${a.port}/`, `http://127.0.0.1:${b.port}/`, 'two-instances');
  });
});
