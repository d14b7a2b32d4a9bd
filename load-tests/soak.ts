/**
 * Soak test: HTTP load plus WebSocket churn against one weft server, with the
 * server's RSS and event-loop delay sampled. Bounded in time:
 *
 *   npm run soak                 10 minutes
 *   npm run soak -- --quick      60 seconds (CI)
 *   npm run soak -- --seconds=N
 *
 * Passes (exit 0) when every HTTP request got its 2xx, every WebSocket message
 * came back, RSS after warm-up stays within 1.5x + 32 MiB of its warm level,
 * and event-loop delay p99 stays under 200 ms.
 */
import WebSocket from 'ws';
import { load, rssMiB, startServer, stopServer } from './lib.js';

const arg = process.argv.find((a) => a.startsWith('--seconds='));
const seconds = arg ? Number(arg.split('=')[1]) : process.argv.includes('--quick') ? 60 : 600;
const server = await startServer('soak-server');
const base = `http://127.0.0.1:${server.port}`;

interface Sample {
  t: number;
  rssMiB: number;
  eldP99Ms: number;
}
const samples: Sample[] = [];
const t0 = Date.now();
const deadline = t0 + seconds * 1000;
let stop = false;

async function sampler(): Promise<void> {
  while (!stop) {
    const m = (await (await fetch(`${base}/metrics`)).json()) as { eldP99Ms: number };
    samples.push({ t: (Date.now() - t0) / 1000, rssMiB: rssMiB(server.pid), eldP99Ms: m.eldP99Ms });
    await new Promise((r) => setTimeout(r, Math.min(5000, (seconds * 1000) / 12)));
  }
}

/** HTTP: autocannon in slices (POST items, then GET them), counting anything but 2xx/404. */
async function http(): Promise<{ requests: number; bad: number }> {
  let requests = 0;
  let bad = 0;
  let i = 0;
  while (Date.now() < deadline - 3000) {
    const slice = Math.max(1, Math.min(10, Math.floor((deadline - Date.now()) / 1000) - 2));
    const r =
      i++ % 2 === 0
        ? await load({
            url: `${base}/items`,
            seconds: slice,
            connections: 20,
            pipelining: 1,
            method: 'POST',
            body: JSON.stringify({ id: i, text: 'soak' }),
            headers: { 'content-type': 'application/json' },
          })
        : await load({ url: `${base}/items/${i - 1}`, seconds: slice, connections: 20, pipelining: 1 });
    requests += r.requests;
    bad += r.errors + r.non2xx;
  }
  return { requests, bad };
}

/** WebSocket churn: waves of clients connect, echo numbered messages, and leave. */
async function churn(): Promise<{ connections: number; sent: number; lost: number }> {
  let connections = 0;
  let sent = 0;
  let lost = 0;
  while (Date.now() < deadline - 3000) {
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        const ws = new WebSocket(`ws://127.0.0.1:${server.port}/echo`);
        await new Promise<void>((resolve, reject) => {
          ws.once('open', () => resolve());
          ws.once('error', reject);
        });
        connections++;
        const want = 20;
        let got = 0;
        const done = new Promise<void>((resolve) => {
          ws.on('message', () => {
            if (++got === want) resolve();
          });
          setTimeout(resolve, 5000);
        });
        for (let k = 0; k < want; k++) ws.send(`m${k}`);
        sent += want;
        await done;
        lost += want - got;
        ws.close();
      }),
    );
  }
  return { connections, sent, lost };
}

const samplerDone = sampler();
const [h, w] = await Promise.all([http(), churn()]);
stop = true;
await samplerDone;
await stopServer(server);

const warm = samples.filter((s) => s.t >= seconds * 0.2);
const warmRss = warm[0]?.rssMiB ?? samples[0]?.rssMiB ?? 0;
const maxRss = Math.max(...samples.map((s) => s.rssMiB));
const lastRss = samples.at(-1)?.rssMiB ?? 0;
const maxEld = Math.max(...samples.map((s) => s.eldP99Ms));
const rssOk = maxRss <= warmRss * 1.5 + 32;
const eldOk = maxEld < 200;
const ok = h.bad === 0 && w.lost === 0 && rssOk && eldOk;

console.log(`| soak ${seconds} s | value | pass |`);
console.log('|---|---:|---|');
console.log(`| HTTP requests | ${h.requests} | |`);
console.log(`| HTTP errors or unexpected status | ${h.bad} | ${h.bad === 0 ? 'yes' : 'NO'} |`);
console.log(`| WebSocket connections opened and closed | ${w.connections} | |`);
console.log(`| WebSocket messages sent / lost | ${w.sent} / ${w.lost} | ${w.lost === 0 ? 'yes' : 'NO'} |`);
console.log(
  `| RSS warm / max / last (MiB) | ${warmRss.toFixed(1)} / ${maxRss.toFixed(1)} / ${lastRss.toFixed(1)} | ${rssOk ? 'yes' : 'NO'} |`,
);
console.log(`| event-loop delay p99, worst sample (ms) | ${maxEld.toFixed(1)} | ${eldOk ? 'yes' : 'NO'} |`);
console.log(ok ? 'soak: passed' : 'soak: FAILED');
process.exit(ok ? 0 : 1);
