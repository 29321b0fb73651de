/**
 * The wire's snake_case keys as the library's camelCase input keys, deeply (`agent_id` -> `agentId`); other
 * values stay as they are, so the library's codecs judge them and name the failing paths.
 *
 * @example
 * camelCaseKeys({ function: { id: 'f', version_id: 'v' } }); // { function: { id: 'f', versionId: 'v' } }
 */
export const camelCaseKeys = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(camelCaseKeys);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    // Keys like __proto__ must not reach the input as prototype setters.
    const camel = key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
    Object.defineProperty(out, camel, {
      value: camelCaseKeys(inner),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
};
