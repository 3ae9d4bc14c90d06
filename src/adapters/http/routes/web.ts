import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import type { HttpDeps } from '../deps.js';

/**
 * The web UI (src/web, built by Vite into dist/web) at `/`. Routing is by URL hash, so one page
 * serves every view and no fallback route is needed; only the files the build wrote are routed
 * (no wildcard), so an unknown path still gets the service's problem+json 404.
 */
export async function webRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  const dir = join(deps.root, 'dist', 'web');
  if (!existsSync(join(dir, 'index.html'))) {
    app.get('/', { schema: { hide: true } }, async (_request, reply) =>
      reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send(
          'The web UI is not built. Run `npm run build` (or `npm run build:web`) and restart `medpolicy serve`.\n' +
            'The API is up: see /docs.\n',
        ),
    );
    return;
  }
  await app.register(fastifyStatic, {
    root: dir,
    prefix: '/',
    wildcard: false,
    index: ['index.html'],
    // Vite names assets by content hash; index.html itself must always be fetched fresh.
    cacheControl: false,
    schemaHide: true,
  });
}
