import { readFileSync } from 'node:fs';

const root = new URL('../../', import.meta.url);

/** The first ```ts block of the README after `heading` (for instance `## In a program`). */
export const readmeCodeUnder = (heading: string): string => {
  const readme = readFileSync(new URL('README.md', root), 'utf8');
  const at = readme.indexOf(heading);
  if (at < 0) throw new Error(`the README has no section ${heading}`);
  return (/```ts\n([\s\S]*?)```/.exec(readme.slice(at))?.[1] ?? '').trim();
};

/**
 * The code of `examples/<file>` as the README shows it: from its imports up to `until`, the body of its exported
 * function at top level (no `export const … = async (…) => {`, one indentation less), with each of `literals`'
 * keys (the function's parameters in use) replaced by the value the README writes there.
 */
export const exampleAsShown = (file: string, until: string, literals: Record<string, string>): string => {
  const example = readFileSync(new URL(`examples/${file}`, root), 'utf8');
  let body = example
    .slice(example.indexOf('import * as E'), example.indexOf(until))
    .replace(/export const \w+ = async[^\n]*\n/, '');
  for (const [parameter, value] of Object.entries(literals)) body = body.replace(parameter, value);
  return body.replace(/^ {2}/gm, '').trim();
};
