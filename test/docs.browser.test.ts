/**
 * The built docs site (docs/dist) in Chromium: every page renders with its
 * navigation, no internal link leads to a missing page or anchor, local search
 * answers without the network, and nothing is fetched from another origin.
 *
 * The site is built first (`npm run docs:build`) when docs/dist is missing or
 * older than the docs, the sources the API reference is generated from, or
 * package.json. Other test runs may share this work tree, so the build happens
 * under a lock and the test serves a copy of docs/dist read into memory: a
 * rebuild started elsewhere cannot pull files from under it. WEFT_BROWSER=0 (a
 * machine without Chromium) skips the file, as it does the other browser tests.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, relative, sep } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './browser.js';

const ROOT = join(import.meta.dirname, '..');
const DOCS = join(ROOT, 'docs');
const DIST = join(DOCS, 'dist');
const SCREENSHOT = join(ROOT, 'test-artifacts', 'docs-home.png');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2',
  '.png': 'image/png',
};

function walk(dir: string, skip: (name: string) => boolean = () => false): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (skip(e.name)) return [];
    const full = join(dir, e.name);
    return e.isDirectory() ? walk(full, skip) : [full];
  });
}

/** Newest input of the build: the docs' own files, src/ (the API reference), package.json. */
function newestInput(): number {
  const docs = walk(DOCS, (name) => ['dist', 'cache', 'api', 'node_modules'].includes(name));
  const files = [...docs, ...walk(join(ROOT, 'src')), join(ROOT, 'package.json')];
  return Math.max(...files.map((f) => statSync(f).mtimeMs));
}

const LOCK = join(tmpdir(), `weft-docs-build-${createHash('sha256').update(ROOT).digest('hex').slice(0, 12)}.lock`);

/** Build docs/dist if it is stale, one test run at a time (a lock left by a dead run expires). */
async function ensureBuilt(): Promise<void> {
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      if (Date.now() - statSync(LOCK, { throwIfNoEntry: false })!.mtimeMs > 300_000)
        rmSync(LOCK, { recursive: true, force: true });
      await sleep(500);
    }
  }
  try {
    const index = join(DIST, 'index.html');
    if (existsSync(index) && statSync(index).mtimeMs >= newestInput()) return;
    execFileSync('npm', ['run', 'docs:build'], { cwd: ROOT, stdio: 'pipe', timeout: 240_000 });
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

/** docs/dist in memory: site path ("/guide/filters.html") → bytes. */
function snapshot(): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const file of walk(DIST)) files.set(`/${relative(DIST, file).split(sep).join('/')}`, readFileSync(file));
  return files;
}

let site = new Map<string, Buffer>();

/** The built file a site path names (`/guide/filters.html`, `/api/`), or undefined. */
function fileFor(pathname: string): string | undefined {
  let p = decodeURIComponent(pathname);
  if (p.endsWith('/')) p += 'index.html';
  if (site.has(p)) return p;
  if (!extname(p) && site.has(`${p}.html`)) return `${p}.html`;
  return undefined;
}

function serveDist(): Promise<Server> {
  const server = createServer((req, res) => {
    const file = fileFor(new URL(req.url ?? '/', 'http://x').pathname);
    if (!file) {
      res.writeHead(404, { 'content-type': TYPES['.html'] }).end(site.get('/404.html') ?? 'not found');
      return;
    }
    // Hashed assets may be cached across pages, as a real host would let them.
    const cache = file.startsWith('/assets/') ? 'public, max-age=3600, immutable' : 'no-cache';
    res
      .writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': cache })
      .end(site.get(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

interface Visit {
  ids: Set<string>;
  links: { href: string; text: string }[];
  problems: string[];
}

describe.skipIf(process.env.WEFT_BROWSER === '0')('the docs site', () => {
  let browser: Browser;
  let server: Server;
  let origin: string;
  const pages: string[] = [];
  const foreign: string[] = [];

  beforeAll(async () => {
    await ensureBuilt();
    site = snapshot();
    for (const path of site.keys()) if (path.endsWith('.html') && path !== '/404.html') pages.push(path);
    pages.sort();
    server = await serveDist();
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    if (server) await new Promise((resolve) => server.close(resolve));
  });

  async function newPage(): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    // Offline: anything outside the local server is refused and remembered.
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(origin) || url.startsWith('data:')) return route.continue();
      foreign.push(url);
      return route.abort();
    });
    return page;
  }

  async function visit(page: Page, path: string): Promise<Visit> {
    const problems: string[] = [];
    const onError = (e: Error) => problems.push(`page error: ${e.message}`);
    const onConsole = (m: { type(): string; text(): string }) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    };
    page.on('pageerror', onError);
    page.on('console', onConsole);
    try {
      const res = await page.goto(origin + path, { waitUntil: 'load' });
      if (res?.status() !== 200) problems.push(`HTTP ${res?.status()}`);
      await page.locator('.VPNav').first().waitFor({ state: 'visible', timeout: 10_000 });
      const home = path === '/index.html';
      if (home) await page.locator('.VPHome').waitFor({ state: 'visible', timeout: 10_000 });
      else {
        await page.locator('.VPSidebar').waitFor({ state: 'visible', timeout: 10_000 });
        const h1 = (await page.locator('.vp-doc h1').first().textContent({ timeout: 10_000 }))?.trim();
        if (!h1) problems.push('no h1 title');
      }
      const ids = await page.$$eval('[id]', (els) => els.map((e) => e.id));
      // `a.href` is the resolved absolute URL (what a click follows).
      const links = await page.$$eval('a[href]', (els) =>
        els.map((a) => ({
          href: String((a as unknown as { href: string }).href),
          text: (a.textContent ?? '').trim().slice(0, 60),
        })),
      );
      return { ids: new Set(ids), links, problems };
    } catch (e) {
      problems.push(String(e));
      return { ids: new Set(), links: [], problems };
    } finally {
      page.off('pageerror', onError);
      page.off('console', onConsole);
    }
  }

  it('has the pages the sidebar promises', () => {
    for (const p of [
      '/index.html',
      '/guide/getting-started.html',
      '/guide/reactors.html',
      '/benchmarks.html',
      '/api/index.html',
    ]) {
      expect(pages).toContain(p);
    }
    expect(pages.length).toBeGreaterThanOrEqual(15);
  });

  it('renders every page with its nav, and every internal link resolves to a page and anchor', async () => {
    const visits = new Map<string, Visit>();
    const queue = [...pages];
    await Promise.all(
      Array.from({ length: 2 }, async () => {
        const page = await newPage();
        for (let path = queue.shift(); path; path = queue.shift()) visits.set(path, await visit(page, path));
        await page.close();
      }),
    );

    const failures: string[] = [];
    for (const [path, v] of visits) for (const p of v.problems) failures.push(`${path}: ${p}`);
    for (const [path, v] of visits) {
      for (const { href, text } of v.links) {
        if (!href.startsWith(origin)) continue;
        const url = new URL(href);
        const file = fileFor(url.pathname);
        if (!file) {
          failures.push(`${path}: link "${text}" → ${url.pathname}: no such page`);
          continue;
        }
        if (!url.hash) continue;
        const target = file;
        const ids = visits.get(target)?.ids;
        const anchor = decodeURIComponent(url.hash.slice(1));
        if (ids && !ids.has(anchor)) failures.push(`${path}: link "${text}" → ${target}#${anchor}: no such anchor`);
      }
    }
    expect(failures).toEqual([]);
    expect(foreign).toEqual([]);
  }, 240_000);

  it('searches offline, from the index shipped with the site', async () => {
    const page = await newPage();
    await visit(page, '/index.html');
    await page.locator('.VPNavBarSearch button').click();
    await page.locator('#localsearch-input').fill('backplane');
    const results = page.locator('.VPLocalSearchBox .result');
    await results.first().waitFor({ state: 'visible', timeout: 10_000 });
    expect(await results.count()).toBeGreaterThan(0);
    await page.close();
    expect(foreign).toEqual([]);
  });

  it('takes a screenshot of the home page', async () => {
    const page = await newPage();
    const v = await visit(page, '/index.html');
    expect(v.problems).toEqual([]);
    mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: false });
    await page.close();
    expect(existsSync(SCREENSHOT)).toBe(true);
  });
});
