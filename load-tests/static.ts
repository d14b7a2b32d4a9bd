/**
 * The static-file bench: a 1 MiB file, `GET /static/1mib.bin`, weft's
 * files.dir on each reactor against @fastify/static on Fastify 5, in one run.
 *
 *   npm run bench:static            5 interleaved rounds
 *   npm run bench:static -- --quick 2 rounds
 *
 * Server on core 0, autocannon (10 connections, no pipelining: browsers do not
 * pipeline, and uWS cannot answer requests pipelined behind a deferred
 * response, uWebSockets.js #1301) on core 1; server CPU per
 * request (schedstat, every thread), medians. Each server's bytes are
 * checked against the file first.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measure, median, type ServerProc, startServer, stopServer, uwsLoads } from './lib.js';

const quick = process.argv.includes('--quick');
const rounds = quick ? 2 : 5;
const seconds = quick ? 2 : 3;
const log = (s: string) => process.stderr.write(`${s}\n`);
const uwsHere = uwsLoads();

const dir = mkdtempSync(join(tmpdir(), 'weft-static-bench-'));
const FILE = randomBytes(1024 * 1024);
writeFileSync(join(dir, '1mib.bin'), FILE);
const digest = createHash('sha256').update(FILE).digest('hex');

const CONFIGS: { key: string; label: string; env: Record<string, string> }[] = [
  { key: 'fastify', label: '@fastify/static (Fastify 5)', env: { STATIC: 'fastify' } },
  { key: 'weft-node', label: 'weft files.dir (node reactor)', env: { STATIC: 'weft', WEFT_REACTOR: 'node' } },
  ...(uwsHere
    ? [{ key: 'weft-uws', label: 'weft files.dir (uws reactor)', env: { STATIC: 'weft', WEFT_REACTOR: 'uws' } }]
    : []),
];

const procs = new Map<string, ServerProc>();
const cpu = new Map<string, number[]>();
const rps = new Map<string, number[]>();
try {
  for (const c of CONFIGS) {
    const s = await startServer('static-files', { ...c.env, STATIC_DIR: dir });
    procs.set(c.key, s);
    const body = Buffer.from(await (await fetch(`http://127.0.0.1:${s.port}/static/1mib.bin`)).arrayBuffer());
    if (createHash('sha256').update(body).digest('hex') !== digest) throw new Error(`${c.key} served other bytes`);
    await measure(
      s,
      { url: `http://127.0.0.1:${s.port}/static/1mib.bin`, seconds: 1, connections: 10, pipelining: 1 },
      true,
    );
  }
  for (let round = 0; round < rounds; round++) {
    const order = [...CONFIGS.slice(round % CONFIGS.length), ...CONFIGS.slice(0, round % CONFIGS.length)];
    for (const c of order) {
      const s = procs.get(c.key) as ServerProc;
      const r = await measure(
        s,
        { url: `http://127.0.0.1:${s.port}/static/1mib.bin`, seconds, connections: 10, pipelining: 1 },
        true,
      );
      if (r.errors > 0 || r.non2xx > 0) log(`  ! ${c.key}: ${r.errors} errors, ${r.non2xx} non-2xx`);
      cpu.set(c.key, [...(cpu.get(c.key) ?? []), r.cpuUsPerReq]);
      rps.set(c.key, [...(rps.get(c.key) ?? []), r.rps]);
      log(`round ${round + 1} ${c.key.padEnd(10)} ${Math.round(r.rps)} req/s ${r.cpuUsPerReq.toFixed(1)} µs/req`);
    }
  }
} finally {
  for (const s of procs.values()) await stopServer(s);
  rmSync(dir, { recursive: true, force: true });
}

const us = (k: string) => median(cpu.get(k) as number[]);
console.log(
  `\n## Static file bench (node ${process.version}, ${rounds} rounds, medians; 1 MiB file, 10 connections)\n`,
);
console.log('| GET /static/1mib.bin | requests/s | µs CPU/request | vs @fastify/static |');
console.log('|---|---|---|---|');
for (const c of CONFIGS) {
  console.log(
    `| ${c.label} | ${Math.round(median(rps.get(c.key) as number[]))} | ${us(c.key).toFixed(1)} | ${(us(c.key) / us('fastify')).toFixed(2)}x |`,
  );
}
