import type { HelmetOptions } from 'helmet';

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
