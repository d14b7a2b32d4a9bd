/**
 * A TCP load balancer for tests (as in test/resume.test.ts): each new
 * connection goes to the first backend that accepts it, and is cut when no
 * backend does (or `ports()` names none: the way to hold clients off).
 */
import net from 'node:net';

export interface Balancer {
  readonly port: number;
  /** Stop listening and cut every connection. */
  close(): void;
}

export async function balancer(ports: () => readonly number[]): Promise<Balancer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((down) => {
    sockets.add(down);
    down.on('close', () => sockets.delete(down));
    down.on('error', () => undefined);
    const tryAt = (i: number) => {
      const p = ports()[i];
      if (p === undefined) return down.destroy();
      const up = net.connect(p, '127.0.0.1');
      up.once('error', () => tryAt(i + 1));
      up.once('connect', () => {
        up.removeAllListeners('error');
        up.on('error', () => down.destroy());
        down.on('error', () => up.destroy());
        up.on('close', () => down.destroy());
        down.on('close', () => up.destroy());
        down.pipe(up).pipe(down);
      });
    };
    tryAt(0);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      server.close();
      for (const s of sockets) s.destroy();
    },
  };
}
