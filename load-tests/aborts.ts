/**
 * What a mass abort costs the server: N clients start an upload (a head and a
 * few bytes of a 1000-byte body) and then
 * - `client`: all leave at once (each connection destroyed), or
 * - `timeout`: all stop sending and the server cuts them at its own deadline
 *   (uWS about 10 s; node's requestTimeout 15 s, answered 408).
 * The server (core 0) reports its longest event-loop stall and the CPU it spent
 * from just before the aborts until every connection is gone; the clients run
 * on core 1. weft (both reactors, default logger to stdout) against the same
 * route by hand on raw uWS and raw node:http, which log nothing. Rounds are
 * interleaved; medians with their spread.
 *
 *   npm run bench:aborts [-- --n=2000 --rounds=3 --mode=client,timeout]
 */

import { once } from 'node:events';
import net from 'node:net';
import { startServer, stopServer } from './lib.js';

const arg = (name: string, dflt: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt;
const N = Number(arg('n', '2000'));
const ROUNDS = Number(arg('rounds', '3'));
const MODES = arg('mode', 'client,timeout').split(',');
const KINDS = arg('kinds', 'raw-uws,weft-uws,raw-node,weft-node').split(',');

interface Stats {
  stallMs: number;
  cpuMs: number;
  /** Connections the server had closed when the round ended (all of them, unless it never cuts). */
  cut?: number;
}

async function stats(port: number): Promise<Stats> {
  const res = await fetch(`http://127.0.0.1:${port}/stats`);
  return (await res.json()) as Stats;
}

async function openUploads(port: number): Promise<net.Socket[]> {
  const sockets: net.Socket[] = [];
  for (let i = 0; i < N; i += 100) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(100, N - i) }, async () => {
        const s = net.connect(port, '127.0.0.1');
        s.on('error', () => {});
        await once(s, 'connect');
        s.write(
          'POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000\r\n\r\nabcdefghij',
        );
        return s;
      }),
    );
    sockets.push(...batch);
  }
  return sockets;
}

async function round(kind: string, mode: string): Promise<Stats> {
  const server = await startServer('aborts', { KIND: kind, WEFT_REACTOR: '' });
  try {
    const sockets = await openUploads(server.port);
    await new Promise((r) => setTimeout(r, 500)); // every head read and every request in flight
    await stats(server.port); // reset the window
    const closed = Promise.all(sockets.map((s) => (s.destroyed ? undefined : once(s, 'close'))));
    if (mode === 'client') for (const s of sockets) s.destroy();
    // A server that never cuts its uploads is reported as such, not waited for.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([closed, new Promise((r) => (timer = setTimeout(r, 30_000)))]);
    clearTimeout(timer);
    const cut = sockets.filter((s) => s.destroyed).length;
    for (const s of sockets) s.destroy();
    await new Promise((r) => setTimeout(r, 200)); // the server's last callbacks
    return { ...(await stats(server.port)), cut };
  } finally {
    await stopServer(server);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const fmt = (xs: number[]) => `${median(xs).toFixed(0)} (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`;

console.log(`# Mass abort: ${N} uploads, ${ROUNDS} rounds (node ${process.version})\n`);
for (const mode of MODES) {
  const results = new Map<string, Stats[]>(KINDS.map((k) => [k, []]));
  for (let r = 0; r < ROUNDS; r++) {
    // Rotate the order each round: no server always goes first.
    const order = KINDS.map((_, i) => KINDS[(i + r) % KINDS.length] as string);
    for (const kind of order) results.get(kind)?.push(await round(kind, mode));
  }
  console.log(
    `## ${mode === 'client' ? 'Every client leaves at once' : 'The server cuts every upload at its deadline'}\n`,
  );
  console.log('| server | longest stall, ms | CPU, ms | stall vs raw | CPU vs raw | connections closed |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const kind of KINDS) {
    const rs = results.get(kind) as Stats[];
    const raw = results.get(kind.endsWith('uws') ? 'raw-uws' : 'raw-node');
    const ratio = (pick: (s: Stats) => number) =>
      raw === undefined || kind.startsWith('raw')
        ? ''
        : `${(median(rs.map(pick)) / Math.max(1, median(raw.map(pick)))).toFixed(2)}x`;
    const cut = `${median(rs.map((s) => s.cut ?? 0))} / ${N}`;
    console.log(
      `| ${kind} | ${fmt(rs.map((s) => s.stallMs))} | ${fmt(rs.map((s) => s.cpuMs))} | ${ratio((s) => s.stallMs)} | ${ratio((s) => s.cpuMs)} | ${cut} |`,
    );
  }
  console.log('');
}
