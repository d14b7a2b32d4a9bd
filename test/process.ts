/** Start an example as a child process on port 0 and read its port from the pino log. */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

export interface Child {
  proc: ChildProcess;
  port: number;
  lines: Record<string, unknown>[];
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

export async function startExample(script: string, env: Record<string, string> = {}): Promise<Child> {
  const proc = spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = once(proc, 'exit').then(([code]) => code as number | null);
  const port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    proc.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl = buf.indexOf('\n');
      while (nl !== -1) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          const obj = JSON.parse(line) as Record<string, unknown>;
          lines.push(obj);
          if (obj.msg === 'weft listening') resolve(obj.port as number);
        } catch {
          // not JSON: ignore
        }
        nl = buf.indexOf('\n');
      }
    });
    void exited.then((code) => reject(new Error(`${script} exited (${code}) before listening:\n${stderr}`)));
    setTimeout(() => reject(new Error(`${script} did not start in time:\n${stderr}`)), 20_000);
  });
  return { proc, port, lines, exited };
}
