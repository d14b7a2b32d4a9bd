/**
 * Choose a reactor. Under Bun, `'auto'` is the bun reactor (Bun.serve) and
 * neither uWS nor node:http is tried; under Deno, the deno reactor. On Node,
 * `'uws'` must load natively, `'node'` always can, and `'auto'` takes uws when
 * it loads and otherwise node, with one warning line.
 */
import { BunReactor } from '../reactor/bun/reactor.js';
import type { Reactor, ReactorChoice, ReactorHost } from '../reactor/contract.js';
import { DenoReactor } from '../reactor/deno/reactor.js';
import { NodeReactor } from '../reactor/node/reactor.js';
import { loadBinding } from '../reactor/uws/binding.js';
import { UwsReactor } from '../reactor/uws/reactor.js';

/** The JavaScript runtime this process runs on. */
export type Runtime = 'node' | 'bun' | 'deno';

/** Bun and Deno both report a Node version (their Node compatibility): ask for their own first. */
export function currentRuntime(): Runtime {
  if (typeof process.versions.bun === 'string') return 'bun';
  if (typeof process.versions.deno === 'string') return 'deno';
  return 'node';
}

/** A native uWS build loads here (a pool of `workers()` then runs as threads). Never under Bun or Deno. */
export function uwsLoads(): boolean {
  return currentRuntime() === 'node' && !(loadBinding(16384) instanceof Error);
}

export function createReactor(choice: ReactorChoice, host: ReactorHost): Reactor {
  const runtime = currentRuntime();
  if (choice === 'bun' || (choice === 'auto' && runtime === 'bun')) {
    if (runtime !== 'bun')
      throw new Error(`weft: reactor 'bun' runs only under Bun (this is ${runtime} ${process.version}); use 'auto'`);
    return new BunReactor(host);
  }
  if (choice === 'deno' || (choice === 'auto' && runtime === 'deno')) {
    if (runtime !== 'deno')
      throw new Error(`weft: reactor 'deno' runs only under Deno (this is ${runtime} ${process.version}); use 'auto'`);
    return new DenoReactor(host);
  }
  if (choice === 'node') return new NodeReactor(host);
  if (runtime !== 'node') {
    if (choice === 'uws') throw new Error(`weft: uWebSockets.js does not load under ${runtime}; use 'auto'`);
    host.logger?.warn(`weft: no native reactor for ${runtime} yet; running on its node:http emulation`);
    return new NodeReactor(host);
  }
  const binding = loadBinding(host.limits.maxHeadBytes);
  if (!(binding instanceof Error)) return new UwsReactor(binding, host);
  if (choice === 'uws') throw binding;
  host.logger?.warn({ tried: binding.tried }, `${binding.message}; running on node:http + ws instead`);
  return new NodeReactor(host);
}
