import type { FastifyInstance } from 'fastify';
import { indexHtml } from './page/indexHtml.js';
import { pageScript } from './page/pageScript.js';
import { pageStyle } from './page/pageStyle.js';
import { picturesScript } from './page/picturesScript.js';
import { picturesStyle } from './page/picturesStyle.js';

/** The audit page: public static assets (they hold no data; the page's API calls need a token). */
export const pageRoutes = async (app: FastifyInstance) => {
  const asset = (path: string, type: string, body: string) =>
    app.get(path, { schema: { hide: true } }, async (_req, reply) =>
      reply.type(type).header('cache-control', 'no-cache').send(body),
    );
  asset('/', 'text/html; charset=utf-8', indexHtml);
  asset('/page.js', 'text/javascript; charset=utf-8', pageScript);
  asset('/page.css', 'text/css; charset=utf-8', pageStyle + picturesStyle);
  asset('/pictures.js', 'text/javascript; charset=utf-8', picturesScript);
};
