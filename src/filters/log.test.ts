import { describe, expect, it } from 'vitest';
import { memoryLogger } from '../../test/helpers.js';
import { request } from '../test/index.js';
import { type LogInfo, log } from './log.js';
import { path } from './path.js';

describe('log()', () => {
  it('log.custom() sees method, path, status and time of each reply', async () => {
    const seen: LogInfo[] = [];
    const f = path('x')
      .map(() => 'x')
      .with(log.custom((info) => seen.push(info)));
    await request().path('/x').reply(f);
    await request().path('/y').reply(f);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'GET', path: '/x', status: 200 });
    expect(seen[0]?.elapsedMs).toBeGreaterThanOrEqual(0);
  });

  it("log(name) writes an info line through the request's logger", async () => {
    const { logger, lines } = memoryLogger();
    const f = path('x')
      .map(() => 'x')
      .with(log('api'));
    await request().path('/x').log(logger).reply(f);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 30, name: 'api', path: '/x', status: 200, msg: 'reply' });
  });
});
