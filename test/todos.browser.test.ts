/**
 * The todos example's API page in real Chromium: /docs/ (Swagger UI served by
 * files.dir under secureHeaders) renders the OpenAPI document weft derived
 * from the filters, with no CSP violation. Screenshot: test-artifacts/todos-docs.png.
 */
import { mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './browser.js';
import { type Child, startExample } from './process.js';
import { REACTOR } from './reactor.js';

let app: Child;
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
  app = await startExample('examples/todos/server.ts');
});
afterAll(async () => {
  await browser?.close();
  app?.proc.kill('SIGKILL');
});

describe(`examples/todos /docs in Chromium (${REACTOR} reactor)`, () => {
  it('renders every route of the derived OpenAPI document', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`http://127.0.0.1:${app.port}/docs`);
    expect(page.url()).toMatch(/\/docs\/$/); // the 301 to the slash
    await page.waitForSelector('.swagger-ui .info .title', { timeout: 15_000 });
    expect(await page.textContent('.swagger-ui .info .title')).toContain('weft todos');
    await page.waitForSelector('.opblock-summary-path');
    const ops = await page.$$eval('.opblock', (els) =>
      els.map(
        (e) =>
          `${e.querySelector('.opblock-summary-method')?.textContent} ${e.querySelector('.opblock-summary-path')?.textContent?.replace(/\u200b/g, '')}`,
      ),
    );
    expect(ops).toEqual(expect.arrayContaining(['GET /todos', 'POST /todos', 'PUT /todos/{id}', 'DELETE /todos/{id}']));
    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/todos-docs.png', fullPage: true });
    expect(problems.filter((p) => /Content Security Policy|Refused/.test(p))).toEqual([]);
    await page.close();
  });
});
