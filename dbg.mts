import net from 'node:net';
import { get, path, reply, serve, sleep, files } from './src/index.js';
const routes = get().and(path('a')).then(async () => { await sleep(5); return 'A'.repeat(10); })
  .or(get().and(path('s')).then(async () => reply.stream((async function* () { await sleep(5); yield 'x'.repeat(100000); })())))
  .or(path.prefix('static').and(files.dir('/tmp/sb')));
const s = await serve(routes, { logger: false, reactor: 'uws' }).listen({ port: 0 });
for (const p of ['/a', '/s', '/static/1mib.bin']) {
  const sock = net.connect(s.port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  let buf = Buffer.alloc(0);
  sock.on('data', (d) => (buf = Buffer.concat([buf, d])));
  sock.write(`GET ${p} HTTP/1.1\r\nhost: x\r\n\r\n`.repeat(3));
  await new Promise((r) => setTimeout(r, 1500));
  console.log(p, 'bytes', buf.length, 'responses', buf.toString('latin1').split('HTTP/1.1 ').length - 1);
  sock.destroy();
}
await s.close(); process.exit(0);
