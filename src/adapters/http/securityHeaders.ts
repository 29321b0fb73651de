import helmet, { type HelmetOptions } from 'helmet';

/**
 * The page's policy: everything from this origin only, scripts from files (no inline script, no inline event
 * handler attributes, no eval), never framed. The page and its pictures are built to it: `page.js` is a file,
 * handlers are added with addEventListener, and the SVG pictures use attributes, never `style="..."`.
 */
export const contentSecurityPolicy: Record<string, string[]> = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'font-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
};

/**
 * `helmet`'s options for every answer: the strict Content-Security-Policy above,
 * `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`, `Referrer-Policy: no-referrer` (so a token in
 * a URL never travels on in a Referer), and helmet's other defaults. No `upgrade-insecure-requests` and no HSTS:
 * the service speaks plain HTTP on loopback unless a TLS proxy stands in front (which sets HSTS itself).
 */
export const securityHeaders: HelmetOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: contentSecurityPolicy },
  frameguard: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' },
  strictTransportSecurity: false,
};

/**
 * The API docs page (`/docs`, swagger-ui) needs its own inline script and styles: its plugin sets a policy with
 * their hashes; this keeps that policy as strict as ours otherwise (nothing from other origins, never framed).
 */
export const docsPolicy = (header: string): string =>
  header
    .split(';')
    .map((d) => d.trim())
    .filter((d) => d !== '' && d !== 'upgrade-insecure-requests')
    .map((d) => d.replace(/ https:/g, '').replace(/ validator\.swagger\.io/g, ''))
    .map((d) => (d.startsWith('frame-ancestors') ? "frame-ancestors 'none'" : d))
    .join('; ');

/** One header helmet sets (a value) or removes (undefined). */
export type HeaderStep = readonly [name: string, value: string | number | readonly string[] | undefined];

/**
 * What helmet's middleware does to every answer, recorded once: helmet sets the same headers on every request
 * (nothing in {@link securityHeaders} depends on the request), so replaying the list gives the same headers
 * without helmet's middleware chain per request.
 *
 * @example
 * const steps = securityHeaderSteps(securityHeaders);
 * for (const [name, value] of steps) value === undefined ? res.removeHeader(name) : res.setHeader(name, value);
 */
export const securityHeaderSteps = (options: HelmetOptions): readonly HeaderStep[] => {
  const steps: HeaderStep[] = [];
  const recorder = {
    setHeader: (name: string, value: HeaderStep[1]) => void steps.push([name, value]),
    removeHeader: (name: string) => void steps.push([name, undefined]),
  };
  let done = false;
  helmet(options)({} as never, recorder as never, (error?: unknown) => {
    if (error !== undefined) throw error instanceof Error ? error : new Error(String(error));
    done = true;
  });
  // helmet's middleware is synchronous; a version that is not would leave this list incomplete.
  if (!done) throw new Error('helmet did not set its headers synchronously');
  return steps;
};
