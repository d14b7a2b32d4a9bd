/**
 * A newcomer's first minute, on whatever Node runs this: start the chat demo
 * (`npm start`'s script, port 0), fetch the page and /health, join the lobby
 * over a WebSocket, send one message and read it back, and see the socket in /metrics. Prints which reactor
 * the demo chose (the `weft listening` line) and exits non-zero on any failure.
 * CI runs it under Node 22; `WEFT_EXPECT_AUTO` names the reactor it must pick.
 *
 *   node --import tsx test/smoke.ts
 */
import WebSocket from 'ws';
import { startExample } from './process.js';

const fail = (why: string): never => {
  throw new Error(`smoke: ${why}`);
};

const app = await startExample('examples/chat/server.ts');
try {
  const listening = app.lines.find((l) => l.msg === 'weft listening');
  const reactor = listening?.reactor;
  const expected = process.env.WEFT_EXPECT_AUTO;
  if (expected && reactor !== expected) fail(`expected the ${expected} reactor, got ${String(reactor)}`);
  const base = `http://127.0.0.1:${app.port}`;
  const page = await fetch(`${base}/`);
  if (page.status !== 200 || !(await page.text()).includes('<html')) fail(`GET / answered ${page.status}`);
  const health = (await (await fetch(`${base}/health`)).json()) as { status?: string };
  if (health.status !== 'ok') fail(`GET /health answered ${JSON.stringify(health)}`);
  const ws = new WebSocket(`ws://127.0.0.1:${app.port}/chat?name=smoke`);
  const got: { type: string; text?: string }[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('smoke: no echo of the message within 5 s')), 5000);
    ws.on('error', reject);
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { type: string; text?: string };
      got.push(frame);
      if (frame.type === 'welcome') ws.send(JSON.stringify({ type: 'message', text: 'hello from the smoke test' }));
      if (frame.type === 'message' && frame.text === 'hello from the smoke test') {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const scrape = await (await fetch(`${base}/metrics`)).text();
  if (!/^weft_ws_connections 1$/m.test(scrape))
    fail(`GET /metrics does not show the open socket: ${scrape.slice(0, 200)}`);
  ws.close();
  const warnings = app.lines.filter((l) => l.level === 40).map((l) => l.msg);
  console.log(
    `smoke passed on node ${process.version}: reactor ${String(reactor)}; frames ${got.map((f) => f.type).join(',')}` +
      (warnings.length ? `; warning: ${String(warnings[0])}` : ''),
  );
} finally {
  app.proc.kill('SIGTERM');
  await app.exited;
}

// WORKERS=2: both workers answer on the one port, and SIGTERM drains them.
const pool = await startExample('examples/chat/server.ts', { WORKERS: '2' }, { ready: 'weft workers listening' });
try {
  const http = await import('node:http');
  const seen = new Set<number>();
  for (let i = 0; i < 40 && seen.size < 2; i++) {
    const body = await new Promise<string>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: pool.port, path: '/health', agent: false }, (res) => {
          let b = '';
          res.on('data', (d: Buffer) => (b += d.toString()));
          res.on('end', () => resolve(b));
        })
        .on('error', reject);
    });
    seen.add((JSON.parse(body) as { worker: number }).worker);
  }
  if (seen.size !== 2) fail(`WORKERS=2: only worker(s) ${[...seen].join(',')} answered`);
  const mode = pool.lines.find((l) => l.msg === 'weft workers listening')?.mode;
  pool.proc.kill('SIGTERM');
  const code = await pool.exited;
  if (code !== 0) fail(`WORKERS=2: exit code ${code} after SIGTERM`);
  console.log(
    `smoke passed on node ${process.version}: WORKERS=2 (${String(mode)}), both workers answered, drained on SIGTERM`,
  );
} finally {
  if (pool.proc.exitCode === null) pool.proc.kill('SIGKILL');
}
