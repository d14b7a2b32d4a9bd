/** Start the todos example: `npm run example:todos` (PORT, default 3030; HOST, default 127.0.0.1). */
import { pino } from 'pino';
import { serve } from '../../src/index.js';
import { todoRoutes } from './app.js';

const logger = pino();
const port = Number(process.env.PORT ?? 3030);
const host = process.env.HOST ?? '127.0.0.1';

await serve(todoRoutes(), { logger, signals: true }).listen({ port, host });
