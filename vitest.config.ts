import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

/**
 * Five projects: `unit` runs what never opens a socket, once; `uws` and
 * `node` run every file that talks to a real server, once per reactor
 * (WEFT_REACTOR is the default reactor of every `serve()` and every example);
 * `bun` and `deno` run the suites whose servers are fixtures, with the server
 * in a child process under that runtime (test/remote.ts) and the test on Node.
 * `WEFT_TEST_REACTORS=node` (or `uws,node` ...) limits the run to the reactors
 * a machine has; by default all run, and the uws project fails loudly where no
 * native uWS build loads. WEFT_EXPECT_AUTO (CI) names the reactor `auto` must
 * pick on that machine.
 */
/**
 * The test files that import `test/<module>.ts`: those importing
 * test/reactor.ts (which declares how each reactor differs) run once per
 * reactor. Derived, so a new server test needs only that import.
 */
function filesImporting(module: string): string[] {
  const re = new RegExp(`from '(?:\\.\\.\\/)*(?:\\.\\/)?(?:test\\/)?${module}\\.js'`);
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const f of readdirSync(dir)) {
      const p = join(dir, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.test.ts') && re.test(readFileSync(p, 'utf8'))) out.push(p);
    }
  };
  walk('src');
  walk('test');
  return out.sort();
}
const SERVER_FILES = filesImporting('reactor');
/** Files whose servers come from fixtures (test/remote.ts): they also run with the server under Bun and Deno. */
const REMOTE_FILES = filesImporting('remote');
/** The chat in Chromium also runs once with the chat under Bun (the server as a user starts it: `bun examples/chat/server.ts`). */
const BUN_ONLY = process.env.WEFT_BROWSER === '0' ? [] : ['test/chat.browser.test.ts'];
const reactors = (process.env.WEFT_TEST_REACTORS ?? 'uws,node,bun,deno').split(',').filter(Boolean);
// WEFT_BROWSER=0: a machine without Chromium (the Debian 13 root in CI) leaves the browser test to the host.
const serverFiles =
  process.env.WEFT_BROWSER === '0' ? SERVER_FILES.filter((f) => !f.includes('browser')) : SERVER_FILES;

// WEFT_NETNS=0: a machine where `ip netns` cannot run (the Debian 13 root in CI) leaves that test to the host.
const unitExclude = process.env.WEFT_NETNS === '0' ? [...SERVER_FILES, 'test/netns.test.ts'] : SERVER_FILES;

const shared = {
  testTimeout: 30_000,
  hookTimeout: 30_000,
  // Servers bind real ports; keep files in separate processes.
  pool: 'forks' as const,
  execArgv: ['--expose-gc'],
};

export default defineConfig({
  test: {
    reporters: ['default', ['json', { outputFile: 'test-artifacts/vitest.json' }]],
    projects: [
      {
        test: {
          ...shared,
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: unitExclude,
          typecheck: {
            enabled: true,
            include: ['src/**/*.test-d.ts'],
            tsconfig: './tsconfig.json',
          },
        },
      },
      ...reactors.map((name) => ({
        test: {
          ...shared,
          name,
          include: name === 'bun' ? [...REMOTE_FILES, ...BUN_ONLY] : name === 'deno' ? REMOTE_FILES : serverFiles,
          env: { WEFT_REACTOR: name },
        },
      })),
    ],
  },
});
