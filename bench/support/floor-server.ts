// The floor under bench:http's CPU figure: a server that does only what any JSON POST service
// does (read the body, parse it, answer a determination-sized JSON text with a fresh id), on bare
// Node http or as one minimal Fastify route. Run as its own process, driven by the same load.
// Usage: node floor-server.js node|fastify; prints "serving at <url>" on stderr.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import Fastify from 'fastify';

// About the size of an average answer over the scenario corpus (1.7 KB).
const FILLER = JSON.stringify('x'.repeat(1_680));
const answer = (): string => `{"id":"${randomUUID()}","body":${FILLER}}`;

const kind = process.argv[2];
if (kind === 'node') {
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      JSON.parse(body);
      const text = answer();
      res.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(text),
      });
      res.end(text);
    });
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    process.stderr.write(`serving at http://127.0.0.1:${address.port} \n`);
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
} else if (kind === 'fastify') {
  const app = Fastify({ logger: false });
  app.post('/v1/determinations', (_request, reply) => {
    reply.type('application/json; charset=utf-8').send(answer());
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  process.stderr.write(`serving at ${url} \n`);
  process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
} else {
  throw new Error(`floor-server: node or fastify, not '${kind}'`);
}
