/** What every HTTP bench server serves, and how it reports its port. */
import { writeSync } from 'node:fs';

export const JSON_BODY = { message: 'Hello, World!', items: [1, 2, 3], ok: true };
export const ROUTES = Number(process.env.ROUTES ?? 1);
export const PORT = Number(process.env.PORT ?? 0);
/** Print the port: on stdout, or on fd READY_FD when the bench sends stdout (an access log) to /dev/null. */
export function ready(port: number): void {
  const line = `${JSON.stringify({ port })}\n`;
  if (process.env.READY_FD) writeSync(Number(process.env.READY_FD), line);
  else process.stdout.write(line);
}
/** Hand validation for the servers without a schema library (raw uWS, node:http). */
export function validPerson(v: unknown): v is { name: string; age: number } {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  return (
    typeof o.name === 'string' &&
    o.name.length >= 1 &&
    o.name.length <= 64 &&
    typeof o.age === 'number' &&
    Number.isInteger(o.age) &&
    o.age >= 0 &&
    o.age <= 150
  );
}

/** The realistic routes (issue 13): `POST /todos` with this body, `GET /search?q=&page=` with two headers. */
export const TODO_BODY = '{"title":"buy oat milk now","done":false,"priority":2,"tags":["home"]}';
export const SEARCH_PATH = '/search?q=weft+filters&page=2';
export const SEARCH_HEADERS = { 'x-api-key': 'k-1234567890', 'accept-language': 'en-GB' };

export interface TodoIn {
  title: string;
  done: boolean;
  priority: number;
  tags: string[];
}
/** Hand validation of a todo for raw uWS and node:http: what the zod and JSON schemas say. */
export function validTodo(v: unknown): v is TodoIn {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  return (
    typeof o.title === 'string' &&
    o.title.length >= 1 &&
    o.title.length <= 200 &&
    typeof o.done === 'boolean' &&
    typeof o.priority === 'number' &&
    Number.isInteger(o.priority) &&
    o.priority >= 1 &&
    o.priority <= 5 &&
    Array.isArray(o.tags) &&
    o.tags.length <= 10 &&
    o.tags.every((t) => typeof t === 'string' && t.length <= 32)
  );
}
/** Hand validation of the search query: q 1..100 chars, page an integer 1..1000 (default 1). */
export function parseSearch(
  q: string | null | undefined,
  page: string | null | undefined,
): { q: string; page: number } | undefined {
  if (!q || q.length > 100) return undefined;
  const p = page === undefined || page === null || page === '' ? 1 : Number(page);
  if (!Number.isInteger(p) || p < 1 || p > 1000) return undefined;
  return { q, page: p };
}
