/**
 * Freezes a value and everything it holds, so that a caller who mutates what the memory store handed out gets
 * a TypeError instead of silently rewriting history. Dates are left alone (their setters ignore freezing).
 */
export const deepFreeze = <T>(value: T): T => {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value) || value instanceof Date)
    return value;
  Object.freeze(value);
  for (const member of Object.values(value as object)) deepFreeze(member);
  return value;
};
