/**
 * Choose a reactor: `'uws'` must load natively, `'node'` always can, and
 * `'auto'` takes uws when it loads and otherwise node, with one warning line.
 */
import type { Reactor, ReactorChoice, ReactorHost } from '../reactor/contract.js';
import { NodeReactor } from '../reactor/node/reactor.js';
import { loadBinding } from '../reactor/uws/binding.js';
import { UwsReactor } from '../reactor/uws/reactor.js';

/** A native uWS build loads here (a pool of `workers()` then runs as threads). */
export function uwsLoads(): boolean {
  return !(loadBinding(16384) instanceof Error);
}

export function createReactor(choice: ReactorChoice, host: ReactorHost): Reactor {
  if (choice === 'node') return new NodeReactor(host);
  const binding = loadBinding(host.limits.maxHeadBytes);
  if (!(binding instanceof Error)) return new UwsReactor(binding, host);
  if (choice === 'uws') throw binding;
  host.logger?.warn({ tried: binding.tried }, `${binding.message}; running on node:http + ws instead`);
  return new NodeReactor(host);
}
