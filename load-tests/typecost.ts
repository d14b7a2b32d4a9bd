/**
 * The type-checking cost of a typed API: weft (routes + `weft/client`) against
 * Hono (chained routes + `hc`) and Elysia (chained routes + Eden Treaty), at
 * N = 50, 200, 500 and 1000 routes, under TypeScript 5.9 and TypeScript 7.
 *
 *   npm run bench:types                       3 interleaved rounds (~15 min on 2 cores)
 *   npm run bench:types -- --quick            1 round, N = 50 and 200
 *   npm run bench:types -- --n=500 --rounds=1 --only=weft --ts=5.9
 *
 * Each framework gets the same app: N routes cycling through four kinds, each
 * with its own first segment `r${i}`:
 *   0  GET  /r{i}?offset=      zod query { offset: coerce number, default 0 } -> JSON array
 *   1  POST /r{i}              zod JSON body Todo -> the body back, 201
 *   2  GET  /r{i}/{id:int}     -> { id, text }
 *   3  GET  /r{i}/{id:int}/posts/{slug} -> a string
 * and one typed client call per route that reads the reply's data into a
 * variable annotated with the expected type (plus a guard that fails when the
 * data is `any`), so a wrong call or a wrong reply type is a compile error and
 * the client's types are exercised for every route.
 *
 * weft is consumed as a package user sees it: its declarations are emitted
 * (`tsc -p tsconfig.build.json --emitDeclarationOnly`) into
 * test-artifacts/typecost/weft-dts once per run (dist/ is left alone), and the
 * generated app imports them by relative path. Hono and Elysia come from
 * node_modules as .d.ts too, so no framework's own source is checked.
 *
 * Each `tsc --noEmit --extendedDiagnostics` runs pinned to core 0 (`taskset -c 0`)
 * under /usr/bin/time; CPU is the child's user + sys, RSS its peak.
 * A TS 5.9 run that overflows V8's stack (long method chains) is reported as
 * the error it is and measured once more with a raised stack ("5.9 big stack").
 * The weft app is also checked once without its client calls, to split its cost.
 * Writes load-tests/TYPECOST.md (not with --quick or a subset).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'test-artifacts', 'typecost');

/** 'weft-routes': the weft app without its client calls (one round), to split weft's cost. */
type Fw = 'weft' | 'hono' | 'elysia' | 'weft-routes';
/** '5.9 big stack': TS 5.9 rerun with a raised stack (only for configs where 5.9 overflowed its stack). */
type Ts = '5.9' | '7' | '5.9 big stack';
const FWS: Fw[] = ['weft', 'hono', 'elysia'];
const TSC: Record<Ts, string> = {
  '5.9': join(root, 'node_modules/typescript/bin/tsc'),
  '7': join(root, 'node_modules/typescript7/bin/tsc'),
  '5.9 big stack': join(root, 'node_modules/typescript/bin/tsc'),
};

const arg = (name: string): string | undefined =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const quick = process.argv.includes('--quick');
const sizes = (arg('n') ?? (quick ? '50,200' : '50,200,500,1000')).split(',').map(Number);
const rounds = Number(arg('rounds') ?? (quick ? 1 : 3));
const fws = (arg('only')?.split(',') ?? FWS) as Fw[];
const tss = (arg('ts')?.split(',') ?? ['5.9', '7']) as Ts[];
/** Rounds of the 1000-route Hono and Elysia configs (the slowest); all rounds unless --rounds-big says fewer. */
const bigRounds = Number(arg('rounds-big') ?? rounds);
const partial = quick || arg('n') !== undefined || arg('only') !== undefined || arg('ts') !== undefined;
const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;

// ---------------------------------------------------------------- generators

const header = (lines: string[]): string => `${lines.join('\n')}\n`;

/** Fails to compile when `v` is `any`: a framework whose types collapse must not look cheap. */
const guard = 'declare function known<T>(v: 0 extends 1 & T ? never : T): void;';

function weftApp(n: number, calls = true): string {
  const out = [
    "import { z } from 'zod';",
    "import { body, get, int, path, post, query, reply, str } from '../weft-dts/index.js';",
    "import { client } from '../weft-dts/client/index.js';",
    guard,
    'const Todo = z.object({ id: z.number(), text: z.string(), completed: z.boolean() });',
    'const Paging = z.object({ offset: z.coerce.number<number>().default(0) });',
  ];
  for (let i = 0; i < n; i++) {
    const r = `'r${i}'`;
    switch (i % 4) {
      case 0:
        out.push(
          `const r${i} = path(${r}).and(get()).and(query(Paging)).map((p) => reply.json([{ id: ${i}, text: 'x', done: p.offset > 0 }]));`,
        );
        break;
      case 1:
        out.push(`const r${i} = path(${r}).and(post()).and(body.json(Todo)).map((t) => reply.json(t).status(201));`);
        break;
      case 2:
        out.push(`const r${i} = path(${r}, int).and(get()).map((id) => ({ id, text: 'a' }));`);
        break;
      default:
        out.push(`const r${i} = path(${r}, int, 'posts', str).and(get()).map((id, slug) => \`\${id}\${slug}\`);`);
    }
  }
  out.push(`export const routes = r0${Array.from({ length: n - 1 }, (_, i) => `.or(r${i + 1})`).join('')};`);
  if (!calls) return header(out);
  out.push("const api = client<typeof routes>('http://127.0.0.1:3000');", 'export async function calls() {');
  for (let i = 0; i < n; i++) {
    switch (i % 4) {
      case 0:
        out.push(
          `  const a${i} = await api.r${i}.get({ query: { offset: 1 } });`,
          `  const d${i}: { id: number; text: string; done: boolean }[] | undefined = a${i}.data;`,
        );
        break;
      case 1:
        out.push(
          `  const a${i} = await api.r${i}.post({ id: 1, text: 'x', completed: false });`,
          `  const d${i}: { id: number; text: string; completed: boolean } | undefined = a${i}.data;`,
        );
        break;
      case 2:
        out.push(
          `  const a${i} = await api.r${i}(3).get();`,
          `  const d${i}: { id: number; text: string } | undefined = a${i}.data;`,
        );
        break;
      default:
        out.push(
          `  const a${i} = await api.r${i}(7).posts('intro').get();`,
          `  const d${i}: string | undefined = a${i}.data;`,
        );
    }
    out.push(`  known(d${i});`);
  }
  out.push('}');
  return header(out);
}

function honoApp(n: number): string {
  const out = [
    "import { z } from 'zod';",
    "import { Hono } from 'hono';",
    "import { hc } from 'hono/client';",
    "import { validator } from 'hono/validator';",
    guard,
    'const Todo = z.object({ id: z.number(), text: z.string(), completed: z.boolean() });',
    'const Paging = z.object({ offset: z.coerce.number<number>().default(0) });',
    'export const app = new Hono()',
  ];
  for (let i = 0; i < n; i++) {
    switch (i % 4) {
      case 0:
        out.push(
          `  .get('/r${i}', validator('query', (v, c) => { const r = Paging.safeParse(v); return r.success ? r.data : c.json({ error: 'invalid' }, 400); }), (c) => c.json([{ id: ${i}, text: 'x', done: c.req.valid('query').offset > 0 }], 200))`,
        );
        break;
      case 1:
        out.push(
          `  .post('/r${i}', validator('json', (v, c) => { const r = Todo.safeParse(v); return r.success ? r.data : c.json({ error: 'invalid' }, 400); }), (c) => c.json(c.req.valid('json'), 201))`,
        );
        break;
      case 2:
        out.push(`  .get('/r${i}/:id', (c) => c.json({ id: Number(c.req.param('id')), text: 'a' }, 200))`);
        break;
      default:
        out.push(
          `  .get('/r${i}/:id/posts/:slug', (c) => c.text(\`\${c.req.param('id')}\${c.req.param('slug')}\`, 200))`,
        );
    }
  }
  out[out.length - 1] += ';';
  out.push("const api = hc<typeof app>('http://127.0.0.1:3000');", 'export async function calls() {');
  for (let i = 0; i < n; i++) {
    switch (i % 4) {
      case 0:
        out.push(
          `  const a${i} = await api.r${i}.$get({ query: { offset: '1' } });`,
          `  const d${i}: { id: number; text: string; done: boolean }[] | undefined = a${i}.ok ? await a${i}.json() : undefined;`,
        );
        break;
      case 1:
        out.push(
          `  const a${i} = await api.r${i}.$post({ json: { id: 1, text: 'x', completed: false } });`,
          `  const d${i}: { id: number; text: string; completed: boolean } | undefined = a${i}.ok ? await a${i}.json() : undefined;`,
        );
        break;
      case 2:
        out.push(
          `  const a${i} = await api.r${i}[':id'].$get({ param: { id: '3' } });`,
          `  const d${i}: { id: number; text: string } | undefined = a${i}.ok ? await a${i}.json() : undefined;`,
        );
        break;
      default:
        out.push(
          `  const a${i} = await api.r${i}[':id'].posts[':slug'].$get({ param: { id: '7', slug: 'intro' } });`,
          `  const d${i}: string | undefined = a${i}.ok ? await a${i}.text() : undefined;`,
        );
    }
    out.push(`  known(d${i});`);
  }
  out.push('}');
  return header(out);
}

function elysiaApp(n: number): string {
  const out = [
    "import { Elysia, t } from 'elysia';",
    "import { treaty } from '@elysiajs/eden';",
    guard,
    'const Todo = t.Object({ id: t.Number(), text: t.String(), completed: t.Boolean() });',
    'const Paging = t.Object({ offset: t.Number({ default: 0 }) });',
    'const Id = t.Object({ id: t.Number() });',
    'const IdSlug = t.Object({ id: t.Number(), slug: t.String() });',
    'export const app = new Elysia()',
  ];
  for (let i = 0; i < n; i++) {
    switch (i % 4) {
      case 0:
        out.push(
          `  .get('/r${i}', ({ query }) => [{ id: ${i}, text: 'x', done: query.offset > 0 }], { query: Paging })`,
        );
        break;
      case 1:
        out.push(`  .post('/r${i}', ({ body, status }) => status(201, body), { body: Todo })`);
        break;
      case 2:
        out.push(`  .get('/r${i}/:id', ({ params }) => ({ id: params.id, text: 'a' }), { params: Id })`);
        break;
      default:
        out.push(
          `  .get('/r${i}/:id/posts/:slug', ({ params }) => \`\${params.id}\${params.slug}\`, { params: IdSlug })`,
        );
    }
  }
  out[out.length - 1] += ';';
  out.push("const api = treaty<typeof app>('127.0.0.1:3000');", 'export async function calls() {');
  for (let i = 0; i < n; i++) {
    switch (i % 4) {
      case 0:
        out.push(
          `  const a${i} = await api.r${i}.get({ query: { offset: 1 } });`,
          `  const d${i}: { id: number; text: string; done: boolean }[] | null = a${i}.data;`,
        );
        break;
      case 1:
        out.push(
          `  const a${i} = await api.r${i}.post({ id: 1, text: 'x', completed: false });`,
          `  const d${i}: { id: number; text: string; completed: boolean } | null = a${i}.data;`,
        );
        break;
      case 2:
        out.push(
          `  const a${i} = await api.r${i}({ id: 3 }).get();`,
          `  const d${i}: { id: number; text: string } | null = a${i}.data;`,
        );
        break;
      default:
        out.push(
          `  const a${i} = await api.r${i}({ id: 7 }).posts({ slug: 'intro' }).get();`,
          `  const d${i}: string | null = a${i}.data;`,
        );
    }
    out.push(`  known(d${i});`);
  }
  out.push('}');
  return header(out);
}

const GEN: Record<Fw, (n: number) => string> = {
  weft: weftApp,
  hono: honoApp,
  elysia: elysiaApp,
  'weft-routes': (n) => weftApp(n, false),
};

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    lib: ['ES2023', 'DOM'],
    types: ['node'],
    strict: true,
    skipLibCheck: true,
    noEmit: true,
  },
  files: ['app.ts'],
};

function generate(fw: Fw, n: number): string {
  const dir = join(outDir, `${fw}-${n}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{ "type": "module", "private": true }\n');
  writeFileSync(join(dir, 'tsconfig.json'), `${JSON.stringify(TSCONFIG, null, 2)}\n`);
  writeFileSync(join(dir, 'app.ts'), GEN[fw](n));
  return dir;
}

// ---------------------------------------------------------------- running

interface Run {
  instantiations: number;
  types: number;
  checkS: number;
  totalS: number;
  memoryK: number;
  cpuS: number;
  rssK: number;
  wallS: number;
  error: string | undefined;
}

function field(text: string, name: string): number {
  const m = new RegExp(`^${name}:\\s+([\\d.]+)`, 'm').exec(text);
  return m ? Number(m[1]) : Number.NaN;
}

function tsc(dir: string, ts: Ts): Run {
  const timeFile = join(dir, `time-${ts.replaceAll(' ', '-')}.txt`);
  const cmd = [
    '/usr/bin/time',
    '-o',
    timeFile,
    '-f',
    '%U %S %M %e',
    process.execPath,
    ...(ts === '5.9 big stack' ? ['--stack-size=60000'] : []),
    TSC[ts],
    '-p',
    dir,
    '--noEmit',
    '--extendedDiagnostics',
    '--pretty',
    'false',
  ];
  const pinned = hasTaskset ? ['taskset', '-c', '0', ...cmd] : cmd;
  // V8's --stack-size only helps when the OS stack is at least as large.
  const argv = ts === '5.9 big stack' ? ['bash', '-c', 'ulimit -s unlimited && exec "$@"', 'bash', ...pinned] : pinned;
  const r = spawnSync(argv[0] as string, argv.slice(1), { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const text = `${r.stdout}\n${r.stderr}`;
  const timeLine = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1) ?? '';
  const [user, sys, rss, wall] = timeLine.split(/\s+/).map(Number);
  const errLine = text.split('\n').find((l) => /error TS\d+|^\w*Error: /.test(l));
  const error =
    errLine !== undefined
      ? errLine.replace(`${dir}/`, '').slice(0, 200)
      : r.status !== 0
        ? `exit ${r.status ?? r.signal}: ${text.trim().split('\n')[0]?.slice(0, 160)}`
        : undefined;
  return {
    instantiations: field(text, 'Instantiations'),
    types: field(text, 'Types'),
    checkS: field(text, 'Check time'),
    totalS: field(text, 'Total time'),
    memoryK: field(text, 'Memory used'),
    cpuS: (user ?? Number.NaN) + (sys ?? Number.NaN),
    rssK: rss ?? Number.NaN,
    wallS: wall ?? Number.NaN,
    error,
  };
}

function emitWeftDeclarations(): void {
  const dts = join(outDir, 'weft-dts');
  rmSync(dts, { recursive: true, force: true });
  const r = spawnSync(
    process.execPath,
    [
      TSC['5.9'],
      '-p',
      join(root, 'tsconfig.build.json'),
      '--emitDeclarationOnly',
      '--declarationMap',
      'false',
      '--outDir',
      dts,
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (r.status !== 0) throw new Error(`emitting weft's declarations failed:\n${r.stdout}${r.stderr}`);
}

// ---------------------------------------------------------------- main

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

const t0 = Date.now();
mkdirSync(outDir, { recursive: true });
if (fws.includes('weft')) emitWeftDeclarations();
const dirs = new Map<string, string>();
const all: Fw[] = fws.includes('weft') ? [...fws, 'weft-routes'] : fws;
for (const fw of all) for (const n of sizes) dirs.set(`${fw}-${n}`, generate(fw, n));

const key = (fw: Fw, n: number, ts: Ts): string => `${fw}|${n}|${ts}`;
const log = (round: number, fw: Fw, n: number, ts: Ts, r: Run): void => {
  const min = ((Date.now() - t0) / 60_000).toFixed(1);
  console.error(
    `[${min} min] round ${round + 1} ${fw} N=${n} TS ${ts}: ${r.instantiations} inst, cpu ${r.cpuS.toFixed(2)} s${r.error ? `, ERROR ${r.error}` : ''}`,
  );
};
const runs = new Map<string, Run[]>();
const roundsFor = (fw: Fw, n: number): number => (fw !== 'weft' && n >= 1000 ? Math.min(rounds, bigRounds) : rounds);
for (let round = 0; round < rounds; round++) {
  for (const n of sizes) {
    for (const fw of all) {
      if (round >= (fw === 'weft-routes' ? 1 : roundsFor(fw, n))) continue;
      for (const ts of tss) {
        const r = tsc(dirs.get(`${fw}-${n}`) as string, ts);
        const k = key(fw, n, ts);
        runs.set(k, [...(runs.get(k) ?? []), r]);
        log(round, fw, n, ts, r);
        // TS 5.9 can overflow V8's stack on a long method chain: say so, and measure once more with a raised stack.
        const big = key(fw, n, '5.9 big stack');
        if (ts === '5.9' && r.error?.includes('Maximum call stack') && !runs.has(big)) {
          const rb = tsc(dirs.get(`${fw}-${n}`) as string, '5.9 big stack');
          runs.set(big, [rb]);
          log(round, fw, n, '5.9 big stack', rb);
        }
      }
    }
  }
}

interface Row {
  fw: Fw;
  n: number;
  ts: Ts;
  rounds: number;
  instantiations: number;
  types: number;
  checkS: number;
  cpuS: number;
  cpuMin: number;
  cpuMax: number;
  memoryMB: number;
  rssMB: number;
  error: string | undefined;
}
const rows: Row[] = [];
for (const n of sizes)
  for (const ts of [...tss, '5.9 big stack'] as Ts[])
    for (const fw of all) {
      const rs = runs.get(key(fw, n, ts)) ?? [];
      if (rs.length === 0) continue;
      const cpus = rs.map((r) => r.cpuS);
      rows.push({
        fw,
        n,
        ts,
        rounds: rs.length,
        instantiations: median(rs.map((r) => r.instantiations)),
        types: median(rs.map((r) => r.types)),
        checkS: median(rs.map((r) => r.checkS)),
        cpuS: median(cpus),
        cpuMin: Math.min(...cpus),
        cpuMax: Math.max(...cpus),
        memoryMB: median(rs.map((r) => r.memoryK)) / 1024,
        rssMB: median(rs.map((r) => r.rssK)) / 1024,
        error: rs.find((r) => r.error)?.error,
      });
    }

const fmtInt = (x: number): string => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–');
const fmt = (x: number, d = 2): string => (Number.isFinite(x) ? x.toFixed(d) : '–');
const table = [
  '| framework | N | TS | rounds | instantiations | types | check s | CPU s (median, range) | memory MB (tsc) | peak RSS MB | errors |',
  '|---|---:|---|---:|---:|---:|---:|---|---:|---:|---|',
  ...rows
    .filter((r) => r.fw !== 'weft-routes')
    .map(
      (r) =>
        `| ${r.fw} | ${r.n} | ${r.ts} | ${r.rounds} | ${fmtInt(r.instantiations)} | ${fmtInt(r.types)} | ${fmt(r.checkS)} | ${fmt(r.cpuS)} (${fmt(r.cpuMin)}–${fmt(r.cpuMax)}) | ${fmt(r.memoryMB, 0)} | ${fmt(r.rssMB, 0)} | ${r.error ? `\`${r.error.replaceAll('|', '\\|').replaceAll('`', "'")}\`` : 'none'} |`,
    ),
];
const find = (fw: Fw, n: number, ts: Ts): Row | undefined => rows.find((r) => r.fw === fw && r.n === n && r.ts === ts);
const ratioLines = [
  '| N | TS | weft/Hono instantiations | weft/Hono CPU | weft/Elysia instantiations | weft/Elysia CPU |',
  '|---:|---|---:|---:|---:|---:|',
];
for (const n of sizes)
  for (const ts of tss) {
    const w = find('weft', n, ts);
    if (!w) continue;
    // A competitor that overflowed TS 5.9's stack is compared by its raised-stack run, marked †.
    const other = (fw: Fw): Row | undefined => {
      const r = find(fw, n, ts);
      return r?.error && ts === '5.9' ? (find(fw, n, '5.9 big stack') ?? r) : r;
    };
    const h = other('hono');
    const e = other('elysia');
    const q = (a: number, b: Row | undefined, f: 'instantiations' | 'cpuS'): string =>
      b && Number.isFinite(a / b[f]) ? `${(a / b[f]).toFixed(2)}x${b.ts === '5.9 big stack' ? ' †' : ''}` : '–';
    ratioLines.push(
      `| ${n} | ${ts} | ${q(w.instantiations, h, 'instantiations')} | ${q(w.cpuS, h, 'cpuS')} | ${q(w.instantiations, e, 'instantiations')} | ${q(w.cpuS, e, 'cpuS')} |`,
    );
  }

/** weft's cost split: the routes alone (the `.or` chain and handlers) against the whole app. */
const splitLines = [
  '| N | TS | routes only: instantiations | routes only: CPU s | whole app: instantiations | whole app: CPU s | client calls: instantiations per call |',
  '|---:|---|---:|---:|---:|---:|---:|',
];
for (const n of sizes)
  for (const ts of tss) {
    const w = find('weft', n, ts);
    const r = find('weft-routes', n, ts);
    if (!w || !r) continue;
    splitLines.push(
      `| ${n} | ${ts} | ${fmtInt(r.instantiations)} | ${fmt(r.cpuS)} | ${fmtInt(w.instantiations)} | ${fmt(w.cpuS)} | ${fmtInt((w.instantiations - r.instantiations) / n)} |`,
    );
  }

console.log(`\n${table.join('\n')}\n\n${ratioLines.join('\n')}\n\n${splitLines.join('\n')}\n`);
const minutes = ((Date.now() - t0) / 60_000).toFixed(1);
console.log(`took ${minutes} min`);

if (!partial) {
  const versions = (name: string): string =>
    (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  const md = `# Type-checking cost: weft's typed client against Hono + hc and Elysia + Eden

\`npm run bench:types\` (\`load-tests/typecost.ts\`), ${new Date().toISOString().slice(0, 10)}, ${minutes} min.

## Method

- For N = ${sizes.join(', ')} routes the bench generates the same app three times into
  \`test-artifacts/typecost/<framework>-<N>/app.ts\`: N routes cycling through four kinds, each
  under its own first segment \`r\${i}\` — GET with a query \`{ offset }\` (coerced number,
  default 0) replying a JSON array; POST with a JSON body \`Todo\` replying it with 201; GET
  \`/r\${i}/{id:int}\` replying \`{ id, text }\`; GET \`/r\${i}/{id:int}/posts/{slug}\` replying
  text — and **one typed client call per route** whose reply data is assigned to a variable
  annotated with the expected type, plus a guard that fails to compile when the data is
  \`any\`. A wrong call or a wrong reply type is a compile error, so every route's client
  types are really computed.
  - **weft**: \`path(...).and(get()).and(query(Paging)).map(...)\` etc. chained with \`.or\`,
    \`client<typeof routes>\`; schemas are zod. weft is imported as a package user sees it:
    its declarations are emitted (\`tsc -p tsconfig.build.json --emitDeclarationOnly\`) into
    \`test-artifacts/typecost/weft-dts\` and imported by relative path, so weft's own source
    is not checked (Hono and Elysia are .d.ts too).
  - **Hono** ${versions('hono')}: one \`new Hono().get(...).post(...)...\` chain, queries and
    bodies through \`hono/validator\`'s \`validator(target, fn)\` with the same zod schemas
    (\`safeParse\`, 400 on failure), params read with \`c.req.param\`; \`hc<typeof app>\`
    calls read \`await res.json()\` (\`res.text()\` for the text route) after \`res.ok\`.
  - **Elysia** ${versions('elysia')}: one \`new Elysia().get(...).post(...)...\` chain with
    Elysia's own \`t\` schemas (query, body, and params typed as numbers), Eden Treaty
    ${versions('@elysiajs/eden')} calls read \`.data\`.
- tsconfig: strict, \`skipLibCheck\`, module/moduleResolution NodeNext, target ES2022, lib
  ES2023 + DOM, types node; \`tsc -p <dir> --noEmit --extendedDiagnostics\` under TypeScript
  ${versions('typescript')} and TypeScript ${versions('typescript7')} (the native compiler, npm alias \`typescript7\`).
- Each tsc runs as a child pinned to core 0 (\`taskset -c 0\`) under \`/usr/bin/time\`: **CPU**
  is its user + sys (including the native TS 7 binary), **peak RSS** its maximum resident set.
  Instantiations, types, check time and "memory used" are tsc's own \`--extendedDiagnostics\`
  figures. TS 7 prints the same fields (plus "memory allocs", without the cache sizes and
  I/O, program and total breakdown of 5.9); its instantiation counts come within 0.1% of 5.9's.
- ${rounds} interleaved rounds (every N × framework × TS version once per round), medians;
  the CPU range is min–max over rounds (the "rounds" column gives each config's count).
- Errors: the first \`error TS\` line of the run, or the compiler's crash message; "none"
  means the app type-checked cleanly. When TS 5.9 overflows V8's stack on a long method chain
  (\`RangeError: Maximum call stack size exceeded\`, with the default \`node\` stack), the
  bench measures that config once more under \`ulimit -s unlimited\` and
  \`node --stack-size=60000\`: the "5.9 big stack" rows, which the ratios use (marked †) in
  place of the crashed run.
- weft's cost split: the weft app is also checked once without its client calls ("routes
  only": the handlers and the \`.or\` chain) to show where its cost goes.

## Results

${table.join('\n')}

### Ratios (weft ÷ competitor, medians)

${ratioLines.join('\n')}

### Where weft's cost goes

${splitLines.join('\n')}

## Targets

TARGETS_PLACEHOLDER
`;
  const file = join(root, 'load-tests', 'TYPECOST.md');
  let targets = '';
  const w500 = find('weft', 500, '5.9');
  const h500 = find('hono', 500, '5.9');
  if (w500 && h500) {
    const ri = w500.instantiations / h500.instantiations;
    const rc = w500.cpuS / h500.cpuS;
    targets += `- 500 routes, weft ≤ 0.5x Hono + hc in instantiations and CPU (TS 5.9): instantiations ${ri.toFixed(2)}x, CPU ${rc.toFixed(2)}x — **${ri <= 0.5 && rc <= 0.5 ? 'met' : 'not met'}**.\n`;
    const w7 = find('weft', 500, '7');
    const h7 = find('hono', 500, '7');
    if (w7 && h7)
      targets += `  Under TS 7: instantiations ${(w7.instantiations / h7.instantiations).toFixed(2)}x, CPU ${(w7.cpuS / h7.cpuS).toFixed(2)}x.\n`;
  }
  const w1000 = rows.filter((r) => r.fw === 'weft' && r.n === 1000);
  if (w1000.length > 0) {
    const bad = w1000.filter((r) => r.error);
    targets += `- 1000 routes, weft type-checks without errors: **${bad.length === 0 ? 'met' : `not met (${bad.map((r) => `TS ${r.ts}: ${r.error}`).join('; ')})`}**.\n`;
  }
  // Hand-written notes at the end of the report (from "## Notes") survive a re-run.
  let notes = '';
  try {
    const old = readFileSync(file, 'utf8');
    const at = old.indexOf('\n## Notes');
    if (at >= 0) notes = old.slice(at);
  } catch {}
  writeFileSync(file, md.replace('TARGETS_PLACEHOLDER\n', targets) + notes);
  console.log(`wrote ${file}`);
}
