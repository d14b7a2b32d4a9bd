/**
 * The README's client example, kept compiling by `npm test` (tsc). With the server running:
 * node --import tsx examples/quickstart/client.ts
 */
import { client } from '../../src/client/index.js';
import type { routes } from './server.js';

const api = client<typeof routes>(process.env.BASE_URL ?? 'http://127.0.0.1:3000');
const made = await api.users.post({ name: 'ann' }); // body typed by NewUser; a wrong one does not compile
if (made.ok) process.stdout.write(`created ${made.data.name}\n`); // string: the handler's reply type
const user = await api.users(7).get(); // path('users', int): params are calls
process.stdout.write(`${user.status} ${JSON.stringify(user.data)}\n`);
const hello = await api.hello('weft').get();
process.stdout.write(`${hello.data}\n`);
