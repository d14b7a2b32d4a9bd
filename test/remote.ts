/**
 * Start a suite's server fixture on the reactor under test: in this process
 * for uws and node, in a child process under Bun or Deno for theirs (the
 * test runner stays on Node; the cases are the same, only the server moves).
 * A test file that imports this module also runs in the bun and deno
 * projects (vitest.config.ts derives the list from that import).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { serve } from '../src/index.js';
import type { Fixture } from './fixtures/kit.js';
import { memoryLogger } from './helpers.js';
import { REACTOR } from './reactor.js';

export interface Served {
  readonly port: number;
  /** What the fixture recorded, in order. */
  readonly records: string[];
  /** The server's log lines (when started with `{ log: true }`). */
  readonly lines: Record<string, unknown>[];
  /** Resolves once everything the server recorded or logged so far is in `records` and `lines`. */
  sync(): Promise<void>;
  close(options?: { timeoutMs?: number }): Promise<void>;
}

export interface StartOptions {
  /** Collect the server's log lines in `lines`. */
  readonly log?: boolean;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The runtime binary and its arguments for a child server, by reactor. */
function command(): [string, string[]] {
  if (REACTOR === 'bun') return [`${ROOT}node_modules/.bin/bun`, []];
  return [`${ROOT}node_modules/.bin/deno`, ['run', '-A']];
}

/** Serve `fixture` of test/fixtures/suites/`suite`.ts on the reactor under test. */
export async function startFixture(suite: string, fixture = 'main', options: StartOptions = {}): Promise<Served> {
  return REACTOR === 'bun' || REACTOR === 'deno'
    ? startChild(suite, fixture, options)
    : startHere(suite, fixture, options);
}

async function startHere(suite: string, name: string, options: StartOptions): Promise<Served> {
  const mod = (await import(`./fixtures/suites/${suite}.ts`)) as Record<string, Fixture>;
  const fixture = mod[name];
  if (fixture === undefined) throw new Error(`no fixture ${name} in suites/${suite}.ts`);
  const records: string[] = [];
  const { logger, lines } = options.log ? memoryLogger() : { logger: false as const, lines: [] };
  const made = fixture({ record: (e) => records.push(e), logger });
  const server = await serve(made.routes, { ...made.options, logger, reactor: REACTOR }).listen({ port: 0 });
  return {
    port: server.port,
    records,
    lines,
    sync: () => Promise.resolve(),
    close: (o) => server.close({ timeoutMs: o?.timeoutMs ?? 100 }),
  };
}

async function startChild(suite: string, name: string, options: StartOptions): Promise<Served> {
  const [bin, args] = command();
  const child = spawn(bin, [...args, `${ROOT}test/fixtures/serve-fixture.ts`, suite, name, options.log ? '1' : '0'], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, WEFT_REACTOR: REACTOR },
  });
  const records: string[] = [];
  const lines: Record<string, unknown>[] = [];
  const synced = new Map<number, () => void>();
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (l) => {
      let m: Record<string, unknown>;
      try {
        m = JSON.parse(l) as Record<string, unknown>;
      } catch {
        return; // a runtime's own chatter
      }
      if (m.$ === 'listening') resolve(m.port as number);
      else if (m.$ === 'record') records.push(m.e as string);
      else if (m.$ === 'synced') synced.get(m.n as number)?.();
      else if (m.$ === undefined) lines.push(m);
    });
    void exited.then((code) => reject(new Error(`${REACTOR} fixture ${suite}/${name} exited (${code}): ${stderr}`)));
  });
  let n = 0;
  return {
    port,
    records,
    lines,
    sync: () =>
      new Promise<void>((resolve) => {
        const k = n++;
        synced.set(k, resolve);
        child.stdin?.write(`sync ${k}\n`);
      }),
    close: async (o) => {
      if (child.exitCode === null) child.stdin?.write(`close ${o?.timeoutMs ?? 100}\n`);
      await stop(child, exited);
    },
  };
}

/** Wait for the child to exit after `close`; kill it if it does not within 10 s (a hung child fails the run, not the machine). */
async function stop(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}
