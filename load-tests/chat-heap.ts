/**
 * Heap per chat socket: examples/chat served in this process, N WebSocket
 * clients in a child process (so their memory is not counted), and
 * `process.memoryUsage().heapUsed` after forced full collections, before the
 * clients connect and once every one has its welcome. Two layouts: every
 * socket in one shared room, and every socket in a room of its own (each room
 * a named broadcast channel). A table, not a timed test.
 *
 *   npm run bench:chat-heap -- [sockets=1000] [reactors=uws,node]
 *   (node --expose-gc --import tsx load-tests/chat-heap.ts 1000 uws,node)
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import WebSocket from 'ws';
import { Chat } from '../examples/chat/app.js';
import { serve } from '../src/index.js';

type Layout = 'shared' | 'own';

/** The client child: open N sockets, wait for every welcome, say "ready", hold until stdin closes. */
async function client(): Promise<void> {
  const [, , , base, nArg, layout] = process.argv;
  const n = Number(nArg);
  const sockets: WebSocket[] = [];
  for (let i = 0; i < n; i += 100) {
    const batch = Array.from({ length: Math.min(100, n - i) }, (_, j) => {
      const k = i + j;
      const room = layout === 'own' ? `r${k}` : 'shared';
      return new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocket(`${base}/chat/${room}?name=u${k}`, { perMessageDeflate: false });
        ws.on('message', (d) => {
          if (d.toString().startsWith('{"type":"welcome"')) resolve(ws);
        });
        ws.on('error', reject);
      });
    });
    sockets.push(...(await Promise.all(batch)));
  }
  process.stdout.write('ready\n');
  process.stdin.resume();
  await once(process.stdin, 'end');
  for (const s of sockets) s.terminate();
  process.exit(0);
}

function heap(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc (npm run bench:chat-heap does)');
  for (let i = 0; i < 4; i++) gc();
  return process.memoryUsage().heapUsed;
}

const settle = () => new Promise((r) => setTimeout(r, 200));

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 600 && !check(); i++) await new Promise((r) => setTimeout(r, 50));
  if (!check()) throw new Error('timed out');
}

/** Connect `n` clients in `layout`; heap growth per socket in bytes. */
async function measure(reactor: 'uws' | 'node', n: number, layout: Layout): Promise<number> {
  // Every client comes from 127.0.0.1: the per-address limits are lifted for the measurement.
  const chat = new Chat({ limits: { connectionsPerAddress: n + 1, roomsPerAddress: n + 1 } });
  const server = await serve(chat.routes(), { logger: false, reactor }).listen({ port: 0 });
  const base = `ws://127.0.0.1:${server.port}`;
  const run = async (count: number) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'load-tests/chat-heap.ts', 'client', base, String(count), layout],
      {
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    );
    const lines = createInterface({ input: child.stdout });
    await new Promise<void>((resolve, reject) => {
      lines.on('line', (l) => l === 'ready' && resolve());
      child.once('exit', (code) => reject(new Error(`client exited with ${code}`)));
    });
    await until(() => chat.connections === count);
    return child;
  };
  // Warm up (code loaded and optimized, pools and caches filled), then measure from an empty server.
  const warm = await run(Math.min(100, n));
  warm.stdin.end();
  await until(() => chat.connections === 0);
  await settle();
  const h0 = heap();
  const child = await run(n);
  await settle();
  const h1 = heap();
  child.stdin.end();
  await until(() => chat.connections === 0);
  await server.close({ timeoutMs: 2000 });
  return (h1 - h0) / n;
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 1000);
  const reactors = (process.argv[3] ?? 'uws,node').split(',') as ('uws' | 'node')[];
  const rows: string[] = [];
  for (const reactor of reactors) {
    for (const layout of ['shared', 'own'] as const) {
      try {
        const per = await measure(reactor, n, layout);
        rows.push(
          `| ${reactor} | ${n} | ${layout === 'shared' ? 'one shared room' : 'a room each'} | ${(per / 1024).toFixed(2)} |`,
        );
      } catch (err) {
        rows.push(`| ${reactor} | ${n} | ${layout} | not measured: ${(err as Error).message.split('\n')[0]} |`);
      }
    }
  }
  console.log(`Chat heap per socket (Node ${process.versions.node}; heapUsed after forced gc, ${n} sockets vs none)\n`);
  console.log('| reactor | sockets | layout | heap KiB per socket |');
  console.log('|---|---:|---|---:|');
  for (const r of rows) console.log(r);
  process.exit(0);
}

if (process.argv[2] === 'client') await client();
else await main();
