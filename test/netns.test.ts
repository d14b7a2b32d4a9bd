/**
 * The chat across hosts: two instances in two network namespaces, Redis in a
 * third, joined by veth pairs on a bridge. Nothing may assume loopback.
 * Needs root and iproute2 (`ip`); .ci/run has both.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from './helpers.js';
import { type Child, startExample } from './process.js';
import { type RedisServer, startRedis } from './redis.js';
import { type Client, connectWs } from './wsclient.js';

const tag = (process.pid % 10000).toString();
const subnet = `10.213.${process.pid % 250}`;
const bridge = `wbr${tag}`;
const hosts = { r: 1, a: 2, b: 3 } as const;
type Host = keyof typeof hosts;
const ns = (h: Host) => `weft-${h}-${tag}`;
const ip = (h: Host) => `${subnet}.${hosts[h]}`;

function run(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function preflight(): void {
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
  } catch {
    throw new Error('`ip` is missing: install the Debian package iproute2 (apt-get install -y iproute2); .ci/run does');
  }
  if (process.getuid?.() !== 0)
    throw new Error('network namespaces need root (ip netns add); run the tests as root, as .ci/run does');
}

function cleanup(): void {
  for (const h of Object.keys(hosts) as Host[]) {
    try {
      run('netns', 'del', ns(h));
    } catch {
      // not there
    }
  }
  try {
    run('link', 'del', bridge);
  } catch {
    // not there
  }
}

const children: Child[] = [];
const clients: Client[] = [];
let redis: RedisServer;

beforeAll(async () => {
  preflight();
  cleanup();
  run('link', 'add', bridge, 'type', 'bridge');
  run('addr', 'add', `${subnet}.254/24`, 'dev', bridge);
  run('link', 'set', bridge, 'up');
  for (const h of Object.keys(hosts) as Host[]) {
    const outer = `wv${h}${tag}`;
    run('netns', 'add', ns(h));
    run('link', 'add', outer, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns(h));
    run('link', 'set', outer, 'master', bridge);
    run('link', 'set', outer, 'up');
    run('-n', ns(h), 'addr', 'add', `${ip(h)}/24`, 'dev', 'eth0');
    run('-n', ns(h), 'link', 'set', 'eth0', 'up');
    run('-n', ns(h), 'link', 'set', 'lo', 'up');
  }
  redis = await startRedis({ bind: ip('r'), wrap: ['ip', 'netns', 'exec', ns('r')] });
}, 60_000);

afterAll(async () => {
  for (const c of clients) c.ws.terminate();
  for (const c of children) {
    c.proc.kill('SIGKILL');
    await c.exited;
  }
  await redis?.stop();
  cleanup();
});

async function instance(h: Host): Promise<Child> {
  const c = await startExample(
    'examples/chat/server.ts',
    { HOST: ip(h), REDIS_URL: redis.url },
    { command: ['ip', 'netns', 'exec', ns(h), process.execPath, '--import', 'tsx'] },
  );
  children.push(c);
  return c;
}

describe('the chat across three hosts (network namespaces)', () => {
  it('is one chat: users, messages both ways, history', async () => {
    expect(redis.url).toBe(`redis://${ip('r')}:${redis.port}`);
    const [a, b] = await Promise.all([instance('a'), instance('b')]);
    const connect = async (h: Host, port: number, name: string) => {
      const c = await connectWs(`ws://${ip(h)}:${port}/chat/hosts?name=${name}`);
      clients.push(c);
      await c.next((m) => m.type === 'welcome');
      return c;
    };
    const ann = await connect('a', a.port, 'ann');
    const bob = await connect('b', b.port, 'bob');
    expect((bob.inbox[0]?.users as string[]).sort()).toEqual(['ann', 'bob']);
    await ann.next((m) => m.type === 'join' && m.name === 'bob');
    for (let i = 0; i < 20; i++) {
      ann.send({ type: 'message', text: `a${i}` });
      bob.send({ type: 'message', text: `b${i}` });
    }
    for (const c of [ann, bob]) {
      await until(() => c.inbox.filter((m) => m.type === 'message').length === 40, 10_000);
      const texts = c.inbox.filter((m) => m.type === 'message').map((m) => String(m.text));
      for (const who of ['a', 'b'])
        expect(texts.filter((t) => t[0] === who)).toEqual(Array.from({ length: 20 }, (_, i) => `${who}${i}`));
    }
    const cat = await connect('a', a.port, 'cat');
    expect((cat.inbox[0]?.history as unknown[]).length).toBe(40);
    // the instance on host b answers only on its own address
    expect(b.lines.find((l) => l.msg === 'weft listening')).toMatchObject({ host: ip('b') });
  }, 60_000);
});
