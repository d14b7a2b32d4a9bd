/**
 * `npm test`: everything a fresh machine needs, then the checks and the suite.
 *
 * 1. The system packages the tests start (Chromium for the browser tests,
 *    redis-server for scale-out, iproute2 for network namespaces, openssl for
 *    the TLS certificate): installed with apt when running as root, else a clear
 *    failure that names the one command to run.
 * 2. The reactors: every one that loads on this machine and Node (bun and
 *    deno where their npm packages' binaries run), unless
 *    WEFT_TEST_REACTORS names them (CI does, so a reactor that must load and
 *    does not fails there). Those left out are said, with the reason.
 * 3. Lint and format (Biome), the type check, the docs' code blocks, then vitest.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadBinding } from '../src/reactor/uws/binding.js';

const say = (line: string): void => void process.stdout.write(`[npm test] ${line}\n`);

/** Debian package → how to tell it is there. */
const SYSTEM: readonly { pkg: string; present: () => boolean }[] = [
  { pkg: 'chromium', present: () => existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium') },
  { pkg: 'redis-server', present: () => onPath('redis-server') },
  { pkg: 'iproute2', present: () => onPath('ip') },
  { pkg: 'openssl', present: () => onPath('openssl') },
];

function onPath(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function run(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): void {
  const r = spawnSync(cmd, args, { stdio: 'inherit', env });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

function systemPackages(): void {
  const missing = SYSTEM.filter((s) => !s.present()).map((s) => s.pkg);
  if (missing.length === 0) return;
  const command = `apt-get install -y ${missing.join(' ')}`;
  if (process.getuid?.() === 0 && onPath('apt-get')) {
    say(`installing the system packages the tests start: ${missing.join(', ')}`);
    run('apt-get', ['update', '-q']);
    run('apt-get', ['install', '-y', '-q', ...missing], { ...process.env, DEBIAN_FRONTEND: 'noninteractive' });
    return;
  }
  say(`the tests need system packages that are missing: ${missing.join(', ')}`);
  say(`run this once, then npm test again:  sudo ${command}`);
  process.exit(1);
}

function reactors(): string {
  const asked = process.env.WEFT_TEST_REACTORS;
  if (asked) {
    say(`reactors: ${asked} (WEFT_TEST_REACTORS)`);
    return asked;
  }
  const preset = process.env.UWS_HTTP_MAX_HEADERS_SIZE;
  const binding = loadBinding(16384);
  // loadBinding sets uWS's head cap for this process; the test processes choose their own.
  if (preset === undefined) delete process.env.UWS_HTTP_MAX_HEADERS_SIZE;
  const out = binding instanceof Error ? ['node'] : ['uws', 'node'];
  if (binding instanceof Error) say(`leaving out uws: ${binding.message}`);
  // Bun and Deno come with `npm install` (devDependencies); their suites serve from a child process.
  for (const rt of ['bun', 'deno']) {
    const v = spawnSync(bin(rt), ['--version'], { encoding: 'utf8' });
    if (v.status === 0) out.push(rt);
    else say(`leaving out ${rt}: node_modules/.bin/${rt} does not run (${v.error?.message ?? v.stderr.trim()})`);
  }
  say(`reactors: ${out.join(', ')}${binding instanceof Error ? '' : ` (uws: ${binding.from} ${binding.version})`}`);
  return out.join(',');
}

const bin = (name: string) => `node_modules/.bin/${name}`;
systemPackages();
const env = { ...process.env, WEFT_TEST_REACTORS: reactors() };
run(bin('biome'), ['check', '.']);
run(bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']);
run('npm', ['run', '--silent', 'docs:check']);
run(bin('vitest'), ['run', ...process.argv.slice(2)], env);
