/**
 * WebSocket load client (run pinned to the load core). Modes:
 *   fanout  CLIENTS SENDERS RATE SECONDS [BURST]  -> JSON { delivered, expected, rps, p50, p99, dropped }
 *           (each sender sends BURST messages at once, RATE times a second; default 1)
 *   URL may list several servers, comma-separated: sockets (senders included) alternate between them.
 *   idle    CLIENTS HOLD_SECONDS           -> connects CLIENTS sockets, prints "ready", holds, exits
 */
import WebSocket from 'ws';

const [mode, urlList, ...rest] = process.argv.slice(2);
const urls = (urlList as string).split(',');
const nums = rest.map(Number);

async function openAll(n: number, onMessage?: (s: string) => void): Promise<WebSocket[]> {
  const out: WebSocket[] = [];
  for (let i = 0; i < n; i += 200) {
    const batch = await Promise.all(
      Array.from(
        { length: Math.min(200, n - i) },
        (_, j) =>
          new Promise<WebSocket>((resolve, reject) => {
            const ws = new WebSocket(urls[(i + j) % urls.length] as string, { perMessageDeflate: false });
            if (onMessage) ws.on('message', (d) => onMessage(d.toString()));
            ws.on('open', () => resolve(ws));
            ws.on('error', reject);
          }),
      ),
    );
    out.push(...batch);
  }
  return out;
}

if (mode === 'idle') {
  const [clients = 1000, hold = 10] = nums;
  const sockets = await openAll(clients);
  process.stdout.write('ready\n');
  await new Promise((r) => setTimeout(r, hold * 1000));
  for (const s of sockets) s.terminate();
  process.exit(0);
}

const [clients = 100, senders = 10, rate = 10, seconds = 5, burst = 1] = nums;
let measuring = false;
let delivered = 0;
const samples: number[] = [];
const sockets = await openAll(clients, (s) => {
  if (!measuring) return;
  delivered++;
  if ((delivered & 7) === 0) samples.push(Date.now() - Number(s.slice(s.lastIndexOf(':') + 1)));
});
await new Promise((r) => setTimeout(r, 300));
process.stdout.write('start\n'); // the orchestrator samples server CPU here, after every handshake
measuring = true;
let sent = 0;
const t0 = Date.now();
const timers = sockets.slice(0, senders).map((ws, i) =>
  setInterval(() => {
    for (let b = 0; b < burst; b++) ws.send(`${i}:${sent++}:${Date.now()}`);
  }, 1000 / rate),
);
await new Promise((r) => setTimeout(r, seconds * 1000));
for (const t of timers) clearInterval(t);
const sendSeconds = (Date.now() - t0) / 1000;
await new Promise((r) => setTimeout(r, 1500));
measuring = false;
process.stdout.write('stop\n');
samples.sort((a, b) => a - b);
const pct = (p: number) => samples[Math.min(samples.length - 1, Math.floor(samples.length * p))] ?? null;
const expected = sent * clients;
process.stdout.write(
  `${JSON.stringify({ clients, sent, delivered, expected, dropped: expected - delivered, rps: delivered / sendSeconds, p50: pct(0.5), p99: pct(0.99) })}\n`,
);
for (const s of sockets) s.terminate();
process.exit(0);
