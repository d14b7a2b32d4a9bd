/** Start the chat demo: `npm start` (PORT, default 3000; HOST, default 127.0.0.1). */
import { pino } from 'pino';
import { serve } from '../../src/index.js';
import { Chat } from './app.js';

const logger = pino();
const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '127.0.0.1';

const chat = new Chat();
await serve(chat.routes(), { logger, signals: true }).listen({ port, host });
