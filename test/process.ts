/** Start an example as a child process on port 0 and read its port from the pino log. */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export interface Child {
  proc: ChildProcess;
  port: number;
  lines: Record<string, unknown>[];
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Wait for a log line matching `pred` (lines already logged count). */
  line(pred: (l: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

export interface StartOptions {
  /** Arguments before the script (default: `--import tsx`). */
  command?: string[];
  /** The log message that means "listening" (its `port` field is the port). @default 'weft listening' */
  ready?: string;
}

/**
 * How an example runs on the reactor under test: under Bun or Deno for
 * theirs (the project's WEFT_REACTOR), else on this Node with tsx.
 */
function runtimeCommand(): string[] {
  const root = fileURLToPath(new URL('..', import.meta.url));
  if (process.env.WEFT_REACTOR === 'bun') return [`${root}node_modules/.bin/bun`];
  if (process.env.WEFT_REACTOR === 'deno') return [`${root}node_modules/.bin/deno`, 'run', '-A'];
  return [process.execPath, '--import', 'tsx'];
}

export async function startExample(
  script: string,
  env: Record<string, string> = {},
  options: StartOptions = {},
): Promise<Child> {
  const argv = options.command ?? runtimeCommand();
  const proc = spawn(argv[0] as string, [...argv.slice(1), script], {
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // A test process that ends without its cleanup must not leave servers behind.
  const reap = () => proc.kill('SIGKILL');
  process.once('exit', reap);
  proc.once('exit', () => process.off('exit', reap));
  const lines: Record<string, unknown>[] = [];
  const listeners = new Set<() => void>();
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = once(proc, 'exit').then(([code]) => code as number | null);
  let buf = '';
  proc.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl = buf.indexOf('\n');
    while (nl !== -1) {
      const text = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try {
        lines.push(JSON.parse(text) as Record<string, unknown>);
        for (const l of [...listeners]) l();
      } catch {
        // not JSON: ignore
      }
      nl = buf.indexOf('\n');
    }
  });
  const line = (pred: (l: Record<string, unknown>) => boolean, timeoutMs = 20_000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const check = () => {
        const found = lines.find(pred);
        if (!found) return;
        cleanup();
        resolve(found);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(
            `${script}: no such log line in ${timeoutMs} ms; stderr:\n${stderr}\nlast lines: ${JSON.stringify(lines.slice(-5))}`,
          ),
        );
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      check();
    });
  const ready = options.ready ?? 'weft listening';
  const port = await Promise.race([
    line((l) => l.msg === ready).then((l) => l.port as number),
    exited.then((code) => {
      throw new Error(`${script} exited (${code}) before listening:\n${stderr}`);
    }),
  ]);
  return { proc, port, lines, exited, stderr: () => stderr, line };
}
