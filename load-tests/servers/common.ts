/** What every HTTP bench server serves, and how it reports its port. */
export const JSON_BODY = { message: 'Hello, World!', items: [1, 2, 3], ok: true };
export const ROUTES = Number(process.env.ROUTES ?? 1);
export const PORT = Number(process.env.PORT ?? 0);
export function ready(port: number): void {
  process.stdout.write(`${JSON.stringify({ port })}\n`);
}
/** Hand validation for the servers without a schema library (raw uWS, node:http). */
export function validPerson(v: unknown): v is { name: string; age: number } {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  return (
    typeof o.name === 'string' && o.name.length >= 1 && o.name.length <= 64 &&
    typeof o.age === 'number' && Number.isInteger(o.age) && o.age >= 0 && o.age <= 150
  );
}
