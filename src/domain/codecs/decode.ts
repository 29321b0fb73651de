import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { JobError, type ValidationError, type ValidationIssue } from '../errors.js';
import { snakeCaseKey, withJsonSchema } from './jsonSchema.js';

// Wrapper types whose child keys are not part of a user-visible path (intersection members, refinements, ...).
const transparent = new Set([
  'IntersectionType',
  'UnionType',
  'RefinementType',
  'ExactType',
  'ReadonlyType',
  'StrictObject',
]);

const describe = (value: unknown): string => {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string')
    return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return `a ${typeof value}`;
};

/** Turns io-ts errors into issues with dotted paths (`file.name`) a person can read. */
export const toIssues = (errors: t.Errors, root = ''): ValidationIssue[] => {
  const seen = new Set<string>();
  const issues: ValidationIssue[] = [];
  for (const error of errors) {
    const keys: string[] = root ? [root] : [];
    error.context.forEach((entry, i) => {
      if (i === 0) return;
      const parent = error.context[i - 1]!.type as t.Any & { _tag?: string };
      if (parent._tag !== undefined && transparent.has(parent._tag)) return;
      keys.push(entry.key);
    });
    const path = keys.join('.') || '(input)';
    const expected = error.context[error.context.length - 1]?.type.name ?? 'a valid value';
    const message = error.message ?? `expected ${expected}, got ${describe(error.value)}`;
    const key = `${path}|${message}`;
    if (!seen.has(key)) {
      seen.add(key);
      issues.push({ path, message });
    }
  }
  return issues;
};

/** Decodes `input` with `codec`, or answers a {@link ValidationError} naming every failing path. */
export const decodeWith =
  <A, O>(codec: t.Type<A, O, unknown>, root = '') =>
  (input: unknown): E.Either<ValidationError, A> =>
    E.mapLeft((errors: t.Errors) => JobError.validation(toIssues(errors, root)))(codec.decode(input));

/** A string of at most `max` characters (and at least `min`). */
export const boundedString = (name: string, max: number, min = 0) =>
  withJsonSchema(
    new t.Type<string, string, unknown>(
      name,
      (u): u is string => typeof u === 'string' && u.length >= min && u.length <= max,
      (u, c) => {
        if (typeof u !== 'string') return t.failure(u, c, `expected a string, got ${describe(u)}`);
        if (u.length < min)
          return t.failure(u, c, min === 1 ? 'must not be empty' : `must have at least ${min} characters`);
        if (u.length > max) return t.failure(u, c, `must have at most ${max} characters, got ${u.length}`);
        return t.success(u);
      },
      t.identity,
    ),
    { type: 'string', minLength: min, maxLength: max },
  );

// Control characters in ids break logs, URLs and terminals.
// eslint-disable-next-line no-control-regex
const controlCharacters = /[\u0000-\u001f]/;

/** An identifier: 1 to 200 characters, no control characters. */
export const Id = withJsonSchema(
  new t.Type<string, string, unknown>(
    'Id',
    (u): u is string =>
      typeof u === 'string' && u.length > 0 && u.length <= 200 && !controlCharacters.test(u),
    (u, c) => {
      if (typeof u !== 'string') return t.failure(u, c, `expected an id string, got ${describe(u)}`);
      if (u.length === 0) return t.failure(u, c, 'must not be empty');
      if (u.length > 200) return t.failure(u, c, `must have at most 200 characters, got ${u.length}`);
      if (controlCharacters.test(u)) return t.failure(u, c, 'must not contain control characters');
      return t.success(u);
    },
    t.identity,
  ),
  { type: 'string', minLength: 1, maxLength: 200, pattern: '^[^\\u0000-\\u001f]*$' },
);

/** A short text (names, reasons, messages): at most 4096 characters. */
export const ShortText = boundedString('ShortText', 4096);
/** A name: 1 to 1024 characters. */
export const Name = boundedString('Name', 1024, 1);
/** A long text (comment content, descriptions): at most 65536 characters. */
export const LongText = boundedString('LongText', 65_536);

/** An integer in [min, max]. */
export const intIn = (name: string, min: number, max: number) =>
  withJsonSchema(
    new t.Type<number, number, unknown>(
      name,
      (u): u is number => typeof u === 'number' && Number.isInteger(u) && u >= min && u <= max,
      (u, c) => {
        if (typeof u !== 'number' || !Number.isInteger(u))
          return t.failure(u, c, `expected an integer, got ${describe(u)}`);
        if (u < min) return t.failure(u, c, `must be at least ${min}, got ${u}`);
        if (u > max) return t.failure(u, c, `must be at most ${max}, got ${u}`);
        return t.success(u);
      },
      t.identity,
    ),
    { type: 'integer', minimum: min, maximum: max },
  );

// The last date decoded and the last encoded: one job carries the same instant many times (an event's time
// dates its status, file, revision, tokens and archive entry), and parsing or printing a date costs far more than
// comparing. Keyed by value (the text, the time), so a hit gives exactly what the slow way gives.
let lastText: string | symbol = Symbol('no date decoded yet'); // matches no input
let lastTextTime = 0;
let lastTime = Number.NaN;
let lastIso = '';

const isoOf = (d: Date): string => {
  const time = d.getTime();
  if (time === lastTime) return lastIso;
  const iso = d.toISOString(); // throws on an invalid date, as before (and NaN never equals lastTime)
  lastTime = time;
  lastIso = iso;
  return iso;
};

/** A Date, decoded from a Date or an ISO-8601 string; encoded as an ISO-8601 string. */
export const DateFromISOString = withJsonSchema(
  new t.Type<Date, string, unknown>(
    'DateFromISOString',
    (u): u is Date => u instanceof Date && !Number.isNaN(u.getTime()),
    (u, c) => {
      if (u instanceof Date)
        return Number.isNaN(u.getTime()) ? t.failure(u, c, 'invalid date') : t.success(u);
      if (u === lastText) return t.success(new Date(lastTextTime));
      if (typeof u !== 'string' || u.length > 64)
        return t.failure(u, c, `expected an ISO-8601 date, got ${describe(u)}`);
      if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(u)) {
        return t.failure(u, c, `expected an ISO-8601 date, got ${describe(u)}`);
      }
      const d = new Date(u);
      const time = d.getTime();
      if (Number.isNaN(time)) return t.failure(u, c, `expected an ISO-8601 date, got ${describe(u)}`);
      lastText = u;
      lastTextTime = time;
      return t.success(d);
    },
    isoOf,
  ),
  { type: 'string', format: 'date-time' },
);

/** A closed set of string literals with an error message that lists them. */
export const oneOf = <L extends string>(name: string, values: readonly L[]) =>
  withJsonSchema(
    new t.Type<L, L, unknown>(
      name,
      (u): u is L => typeof u === 'string' && (values as readonly string[]).includes(u),
      (u, c) =>
        typeof u === 'string' && (values as readonly string[]).includes(u)
          ? t.success(u as L)
          : t.failure(u, c, `expected one of ${values.join(', ')}, got ${describe(u)}`),
      t.identity,
    ),
    { type: 'string', enum: values },
  );

const unknownKeyHolder = t.type({});

/** An object with required and optional members that rejects unknown members (typos are errors, not silence). */
export const strictObject = <R extends t.Props, O extends t.Props>(
  name: string,
  required: R,
  optional: O,
) => {
  const known = new Set([...Object.keys(required), ...Object.keys(optional)]);
  const base = t.intersection([t.type(required), t.partial(optional)], name);
  const codec = new t.Type<t.TypeOf<typeof base>, t.OutputOf<typeof base>, unknown>(
    name,
    base.is,
    (u, c) => {
      if (typeof u !== 'object' || u === null || Array.isArray(u)) {
        return t.failure(u, c, `expected an object, got ${describe(u)}`);
      }
      const unknownKeys = Object.keys(u).filter((k) => !known.has(k));
      if (unknownKeys.length > 0) {
        return t.failures(
          unknownKeys.map((k) => ({
            value: (u as Record<string, unknown>)[k],
            // The marker entry stands where an intersection member would, so `toIssues` keeps `k` in the path.
            context: [
              ...c,
              { key: '0', type: unknownKeyHolder, actual: u },
              { key: k, type: t.never, actual: (u as Record<string, unknown>)[k] },
            ],
            message: `unknown field (known: ${[...known].join(', ')})`,
          })),
        );
      }
      // Optional members given as undefined are the same as absent.
      const cleaned = Object.fromEntries(Object.entries(u).filter(([, v]) => v !== undefined));
      return base.validate(cleaned, c);
    },
    base.encode,
  );
  // Marks the wrapper as transparent for error paths (see `toIssues`).
  return withJsonSchema(Object.assign(codec, { _tag: 'StrictObject' as const }), (of, options) => {
    const key = (k: string) => (options.snakeCaseKeys ? snakeCaseKey(k) : k);
    const members = (props: t.Props) => Object.entries(props).map(([k, v]) => [key(k), of(v)] as const);
    return {
      type: 'object',
      title: name,
      properties: Object.fromEntries([...members(required), ...members(optional)]),
      ...(Object.keys(required).length > 0 && { required: Object.keys(required).map(key) }),
      additionalProperties: false,
    };
  });
};
