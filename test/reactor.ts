/** Which reactor this test project runs on (vitest sets WEFT_REACTOR per project). */
export const REACTOR: 'uws' | 'node' = process.env.WEFT_REACTOR === 'node' ? 'node' : 'uws';
export const onUws = REACTOR === 'uws';

/** The uWS build a server runs on ('20.30', '20.57', ...), or undefined on the node reactor. */
export function uwsBuild(server: { reactor: { detail: string } }): string | undefined {
  return /^uWebSockets\.js (\d+\.\d+)/.exec(server.reactor.detail)?.[1];
}
