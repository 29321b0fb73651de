/**
 * Loads a package that jobledger lists as an optional peer dependency (installed only by those who use what
 * needs it). When it is missing, throws an Error with one line: what needs it and the command that installs it.
 */
export const loadOptionalPackage = async <T>(
  name: string,
  need: { readonly purpose: string; readonly install?: readonly string[] },
): Promise<T> => {
  try {
    return (await import(name)) as T;
  } catch (error) {
    throw missingPackage(name, need, error);
  }
};

/** The one-line Error for a missing optional package; any other failure to load it keeps its message. */
export const missingPackage = (
  name: string,
  need: { readonly purpose: string; readonly install?: readonly string[] },
  error: unknown,
): Error => {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  // Only the package itself missing: a package that is there but lacks one of its own parts says so as it is.
  if ((code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') || !message.includes(`'${name}'`))
    return new Error(`${need.purpose}: loading ${name} failed (${message})`, { cause: error });
  return new Error(
    `${need.purpose} needs ${name}, which is not installed; run npm install ${(need.install ?? [name]).join(' ')}`,
    { cause: error },
  );
};
