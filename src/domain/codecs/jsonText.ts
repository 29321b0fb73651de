/**
 * `JSON.stringify(value)` for the plain data the ledger keeps (objects, arrays, strings, numbers, booleans, null,
 * Dates), the same text, written without JSON.stringify's slow path for values with a `toJSON`: every Date in a
 * job state sends the engine's stringifier there, and a projection writes a state per event. Anything else (a
 * class instance, a `toJSON` of its own, a bigint) is left to `JSON.stringify` itself, so the text never differs.
 */

const dateToJson = Date.prototype.toJSON;
const objectPrototype = Object.prototype;

// Object keys come from a small vocabulary (the model's and the events' member names): their JSON is made once.
// Bounded, since event data may carry keys of users' own.
const keyJsonCache = new Map<string, string>();
/** `JSON.stringify(key)` of an object key, remembered (bounded). @internal */
export const keyJson = (key: string): string => {
  let json = keyJsonCache.get(key);
  if (json === undefined) {
    json = JSON.stringify(key);
    if (keyJsonCache.size < 4096) keyJsonCache.set(key, json);
  }
  return json;
};

// The last instant written: one state carries the same instant many times. Keyed by the time value.
let lastTime = Number.NaN;
let lastJson = '';
const dateJson = (d: Date): string => {
  const time = d.getTime();
  if (time === lastTime) return lastJson;
  if (Number.isNaN(time)) return 'null'; // what Date.prototype.toJSON gives an invalid date
  lastTime = time;
  lastJson = `"${d.toISOString()}"`;
  return lastJson;
};

class NotPlain extends Error {}
const notPlain = new NotPlain();

/** The JSON of `value`, or undefined where JSON.stringify leaves a member out (undefined, a function, a symbol). */
const write = (value: unknown): string | undefined => {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'bigint':
      throw notPlain;
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) throw notPlain;
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + (write(value[i]) ?? 'null');
    return out + ']';
  }
  if (value instanceof Date) {
    if (Object.getPrototypeOf(value) !== Date.prototype || value.toJSON !== dateToJson) throw notPlain;
    return dateJson(value);
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if ((proto !== objectPrototype && proto !== null) || 'toJSON' in (value as object)) throw notPlain;
  const obj = value as Record<string, unknown>;
  let out = '{';
  for (const key in obj) {
    if (!Object.prototype.hasOwnProperty.call(obj, key)) continue;
    const json = write(obj[key]);
    if (json === undefined) continue;
    out += (out.length === 1 ? '' : ',') + keyJson(key) + ':' + json;
  }
  return out + '}';
};

/**
 * The same text as `JSON.stringify(value)`, faster for plain data with Dates in it (see above).
 *
 * @example
 * jsonText({ at: new Date(0), n: 1 }); // '{"at":"1970-01-01T00:00:00.000Z","n":1}'
 */
export const jsonText = (value: unknown): string => {
  try {
    const json = write(value);
    return json ?? (JSON.stringify(value) as string);
  } catch (error) {
    // Not plain data, or nested past the stack (JSON.stringify then says why: a cycle, or the same overflow).
    if (error === notPlain || error instanceof RangeError) return JSON.stringify(value);
    throw error;
  }
};
