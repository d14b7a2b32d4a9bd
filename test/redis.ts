/** A real redis-server for tests, on a free port, with no persistence. */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';

export interface RedisServer {
  readonly port: number;
  /** The running redis-server's pid. */
  readonly pid: number;
  readonly url: string;
  /** SIGKILL it (no goodbye to clients). */
  kill(): Promise<void>;
  /** Start it again on the same port. */
  restart(): Promise<void>;
  /** `redis-cli`-style command on a fresh connection, e.g. `cmd('INFO', 'commandstats')`. */
  cmd(...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

export function redisServerBinary(): string {
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(
      'redis-server is missing: install the Debian package redis-server (apt-get install -y redis-server); .ci/run does',
    );
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startRedis(
  options: { bind?: string; port?: number; wrap?: string[] } = {},
): Promise<RedisServer> {
  const bin = redisServerBinary();
  const port = options.port ?? (await freePort());
  const bind = options.bind ?? '127.0.0.1';
  let proc: ChildProcess | undefined;
  const launch = async () => {
    const args = ['--port', String(port), '--bind', bind, '--save', '', '--appendonly', 'no', '--protected-mode', 'no'];
    const argv = [...(options.wrap ?? []), bin, ...args];
    const child = spawn(argv[0] as string, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    proc = child;
    // A test process that ends without its afterAll (a crash, a killed run) must not leave Redis behind.
    const reap = () => child.kill('SIGKILL');
    process.once('exit', reap);
    child.once('exit', () => process.off('exit', reap));
    let out = '';
    proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    const deadline = Date.now() + 10_000;
    while (!out.includes('Ready to accept connections')) {
      if (proc.exitCode !== null || proc.signalCode !== null || Date.now() > deadline)
        throw new Error(`redis-server did not start on ${port}:\n${out}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  await launch();
  const server: RedisServer = {
    port,
    get pid() {
      return proc?.pid ?? -1;
    },
    url: `redis://${bind}:${port}`,
    async kill() {
      const p = proc;
      if (!p || p.exitCode !== null || p.signalCode !== null) return;
      const gone = once(p, 'exit');
      p.kill('SIGKILL');
      await gone;
    },
    async restart() {
      await server.kill();
      await launch();
    },
    cmd: (...args) => command(bind, port, args),
    async stop() {
      await server.kill();
    },
  };
  return server;
}

/** One RESP command on its own connection; the reply as text (bulk strings and arrays flattened by lines). */
function command(host: string, port: number, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, host);
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString();
      // a bulk reply: $len\r\n...\r\n ; simple: +OK / :n / -ERR
      if (/^[+:-]/.test(buf) && buf.endsWith('\r\n')) s.end();
      else if (buf.startsWith('$')) {
        const nl = buf.indexOf('\r\n');
        const len = Number(buf.slice(1, nl));
        if (len < 0 || buf.length >= nl + 2 + len + 2) s.end();
      } else if (buf.startsWith('*')) s.end();
    });
    s.on('end', () => resolve(buf));
    s.on('close', () => resolve(buf));
    s.on('error', reject);
    s.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
  });
}

/** How many times Redis ran `name` (from INFO commandstats). */
export async function commandCalls(r: RedisServer, name: string): Promise<number> {
  const info = await r.cmd('INFO', 'commandstats');
  const m = new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(info);
  return m ? Number(m[1]) : 0;
}
