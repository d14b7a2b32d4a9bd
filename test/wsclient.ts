/** A small `ws` client wrapper for black-box WebSocket tests. */
import WebSocket from 'ws';

export interface Client {
  ws: WebSocket;
  /** Every JSON message received, in order. */
  inbox: Record<string, unknown>[];
  closed: Promise<{ code: number; reason: string }>;
  /** Wait for the next message matching `pred` (already received ones count). */
  next(pred?: (m: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  send(v: unknown): void;
}

export async function connectWs(url: string): Promise<Client> {
  const ws = new WebSocket(url);
  const inbox: Record<string, unknown>[] = [];
  let cursor = 0;
  const waiters = new Set<() => void>();
  ws.on('message', (d) => {
    inbox.push(JSON.parse(d.toString()) as Record<string, unknown>);
    for (const w of [...waiters]) w();
  });
  const closed = new Promise<{ code: number; reason: string }>((r) =>
    ws.on('close', (code, reason) => {
      r({ code, reason: reason.toString() });
      for (const w of [...waiters]) w();
    }),
  );
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
  const next = async (pred: (m: Record<string, unknown>) => boolean = () => true, timeoutMs = 5000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (cursor < inbox.length) {
        const m = inbox[cursor++] as Record<string, unknown>;
        if (pred(m)) return m;
      }
      if (ws.readyState === WebSocket.CLOSED) throw new Error('socket closed');
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no matching message in ${timeoutMs} ms; inbox: ${JSON.stringify(inbox.slice(-5))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, left);
        function done() {
          clearTimeout(t);
          waiters.delete(done);
          resolve();
        }
        waiters.add(done);
      });
    }
  };
  return { ws, inbox, closed, next, send: (v) => ws.send(typeof v === 'string' ? v : JSON.stringify(v)) };
}

/** The HTTP status a rejected handshake got. */
export function handshakeStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => {
      ws.close();
      reject(new Error('handshake was accepted'));
    });
    ws.on('error', () => {});
  });
}
