/**
 * Quick chat fan-out run: N clients in one room of examples/chat, S senders at
 * R messages/s each (under the demo's 20/s limit). Server pinned to core 0;
 * run this script on core 1:
 *
 *   taskset -c 1 node --import tsx load-tests/quick-chat.ts [clients=1000] [senders=10] [rate=10] [seconds=10]
 *
 * Reports delivered messages/s, latency from the server's timestamp to
 * receipt (p50/p99), missing deliveries, and server CPU per delivered message.
 * Heap per socket is load-tests/chat-heap.ts (`npm run bench:chat-heap`): it
 * serves the chat in its own process so it can force collections.
 */
import { spawn } from 'node:child_process';
import WebSocket from 'ws';
import { cpuMicros, rssMiB } from './lib.js';

const [clientsArg, sendersArg, rateArg, secondsArg] = process.argv.slice(2).map(Number);
const clients = clientsArg || 1000;
const senders = sendersArg || 10;
const rate = rateArg || 10;
const seconds = secondsArg || 10;

const server = spawn('taskset', ['-c', '0', process.execPath, '--import', 'tsx', 'examples/chat/server.ts'], {
  // Every client comes from 127.0.0.1: lift the demo's per-address connection limit for the run.
  env: { ...process.env, PORT: '0', CHAT_MAX_CONNECTIONS_PER_ADDRESS: String(clients + 10) },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const port = await new Promise<number>((resolve) => {
  let buf = '';
  server.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    const m = /"port":(\d+)/.exec(buf);
    if (m) resolve(Number(m[1]));
  });
});

let delivered = 0;
const latencies: number[] = [];
let measuring = false;
const sockets: WebSocket[] = [];
const open = (name: string) =>
  new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/chat/load?name=${name}`);
    ws.on('message', (d) => {
      if (!measuring) return;
      const s = d.toString();
      if (!s.startsWith('{"type":"message"')) return;
      delivered++;
      const ts = Number(/"ts":(\d+)/.exec(s)?.[1]);
      if ((delivered & 15) === 0) latencies.push(Date.now() - ts);
    });
    ws.on('open', () => resolve(ws));
    ws.on('error', reject);
  });
for (let i = 0; i < clients; i += 100) {
  sockets.push(...(await Promise.all(Array.from({ length: Math.min(100, clients - i) }, (_, j) => open(`u${i + j}`)))));
}
await new Promise((r) => setTimeout(r, 500));

measuring = true;
const cpu0 = cpuMicros(server.pid as number);
const t0 = performance.now();
let sent = 0;
const timers = sockets.slice(0, senders).map((ws, i) =>
  setInterval(() => {
    ws.send(JSON.stringify({ type: 'message', text: `s${i} ${Date.now()}` }));
    sent++;
  }, 1000 / rate),
);
await new Promise((r) => setTimeout(r, seconds * 1000));
for (const t of timers) clearInterval(t);
await new Promise((r) => setTimeout(r, 1000)); // let the last ones arrive
measuring = false;
const elapsed = (performance.now() - t0) / 1000 - 1;
const cpu = cpuMicros(server.pid as number) - cpu0;
const rss = rssMiB(server.pid as number);
latencies.sort((a, b) => a - b);
const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? Number.NaN;
const expected = sent * clients;
console.log(
  '| clients | senders x rate | sent | delivered/s | missing | p50 ms | p99 ms | server CPU µs/delivery | server RSS MiB |',
);
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
console.log(
  `| ${clients} | ${senders} x ${rate}/s | ${sent} | ${Math.round(delivered / elapsed)} | ${expected - delivered} | ${pct(0.5)} | ${pct(0.99)} | ${(cpu / Math.max(1, delivered)).toFixed(3)} | ${rss.toFixed(0)} |`,
);
for (const ws of sockets) ws.terminate();
server.kill('SIGKILL');
process.exit(0);
