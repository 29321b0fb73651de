import type * as t from 'io-ts';

/** A JSON Schema (2020-12, as OpenAPI 3.1 uses it). */
export type JsonSchema = { readonly [key: string]: unknown };

/** How object keys are written on the wire: as the codec names them, or in snake_case (the HTTP bodies). */
export interface JsonSchemaOptions {
  readonly snakeCaseKeys?: boolean;
  /**
   * A `$ref` for member codecs that have a schema of their own elsewhere (OpenAPI components), or undefined to
   * write them inline. The codec given to `jsonSchemaOf` itself is always written out.
   */
  readonly refOf?: (codec: t.Any) => string | undefined;
}

type Describe = (of: (codec: t.Any) => JsonSchema, options: JsonSchemaOptions) => JsonSchema;

// Our own codecs are plain t.Type values with no structure to read at run time, so each one notes its schema here.
const notes = new WeakMap<t.Any, Describe>();

/**
 * Notes the JSON Schema of a codec whose shape io-ts cannot show at run time (a refinement written as a
 * `t.Type`, an object codec of our own). `describe` gets the converter for member codecs.
 */
export const withJsonSchema = <C extends t.Any>(codec: C, describe: JsonSchema | Describe): C => {
  notes.set(codec, typeof describe === 'function' ? describe : () => describe);
  return codec;
};

/** `createdById` -> `created_by_id`. */
export const snakeCaseKey = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Merges object schemas of an intersection (properties and required lists); anything else stays an allOf. */
const mergeAll = (schemas: readonly JsonSchema[]): JsonSchema => {
  if (!schemas.every((s) => s.type === 'object')) return { allOf: schemas };
  const properties = Object.assign({}, ...schemas.map((s) => s.properties ?? {})) as JsonSchema;
  const required = schemas.flatMap((s) => (s.required ?? []) as string[]);
  return { type: 'object', properties, ...(required.length > 0 && { required }) };
};

/**
 * The JSON Schema of an io-ts codec, for documentation (the OpenAPI document of `jobledger serve`). The codecs
 * stay the only validators: a schema says what they accept, it does not decide it.
 *
 * @example
 * jsonSchemaOf(JobCodec); // { type: 'object', properties: { id: {...}, status_history: {...}, ... } }
 */
export const jsonSchemaOf = (codec: t.Any, options: JsonSchemaOptions = {}): JsonSchema => {
  const of = (c: t.Any): JsonSchema => {
    const ref = options.refOf?.(c);
    return ref === undefined ? jsonSchemaOf(c, options) : { $ref: ref };
  };
  const noted = notes.get(codec);
  if (noted) return noted(of, options);
  const key = (k: string) => (options.snakeCaseKeys ? snakeCaseKey(k) : k);
  const c = codec as t.Any & { _tag?: string } & Record<string, unknown>;
  switch (c._tag) {
    case 'InterfaceType':
    case 'PartialType':
    case 'ExactType': {
      const props = (c.props ?? {}) as Record<string, t.Any>;
      return {
        type: 'object',
        properties: Object.fromEntries(Object.entries(props).map(([k, v]) => [key(k), of(v)])),
        ...(c._tag === 'InterfaceType' && { required: Object.keys(props).map(key) }),
      };
    }
    case 'IntersectionType':
      return mergeAll((c.types as t.Any[]).map(of));
    case 'UnionType':
      return { anyOf: (c.types as t.Any[]).map(of) };
    case 'LiteralType':
      return { const: c.value };
    case 'KeyofType':
      return { type: 'string', enum: Object.keys(c.keys as object) };
    case 'ArrayType':
    case 'ReadonlyArrayType':
      return { type: 'array', items: of(c.type as t.Any) };
    case 'ReadonlyType':
    case 'RefinementType':
      return of(c.type as t.Any);
    case 'StringType':
      return { type: 'string' };
    case 'NumberType':
      return { type: 'number' };
    case 'BooleanType':
      return { type: 'boolean' };
    case 'NullType':
      return { type: 'null' };
    default:
      return {};
  }
};
