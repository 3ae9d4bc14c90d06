// A small FHIR read/search server on 127.0.0.1 for prefetch tests: serves the given resources by
// Type/id, searches by ?_id= (comma-separated) and Coverage by ?patient=, and demands the bearer
// token. Every request path is recorded.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FhirTestServer {
  /** Base URL, e.g. http://127.0.0.1:41234/fhir */
  base: string;
  requests: { path: string; authorization: string | undefined }[];
  close(): Promise<void>;
}

type Res = Record<string, unknown>;

export async function startFhirTestServer(
  resources: Res[],
  opts: { token?: string; delayMs?: number } = {},
): Promise<FhirTestServer> {
  const byKey = new Map(
    resources.map((r) => [`${String(r['resourceType'])}/${String(r['id'])}`, r]),
  );
  const requests: FhirTestServer['requests'] = [];
  const server: Server = createServer((req, res) => {
    requests.push({ path: req.url ?? '', authorization: req.headers.authorization });
    const send = (status: number, body: unknown) => {
      const go = () => {
        res.writeHead(status, { 'content-type': 'application/fhir+json' });
        res.end(JSON.stringify(body));
      };
      if (opts.delayMs) setTimeout(go, opts.delayMs);
      else go();
    };
    if (opts.token && req.headers.authorization !== `Bearer ${opts.token}`)
      return send(401, {
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'login', diagnostics: 'bad token' }],
      });
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.replace(/^\/fhir\/?/, '');
    const [type, id] = path.split('/');
    if (!type) return send(404, { resourceType: 'OperationOutcome', issue: [] });
    if (id) {
      const r = byKey.get(`${type}/${id}`);
      return r
        ? send(200, r)
        : send(404, {
            resourceType: 'OperationOutcome',
            issue: [{ severity: 'error', code: 'not-found', diagnostics: `${type}/${id}` }],
          });
    }
    let matches = resources.filter((r) => r['resourceType'] === type);
    const ids = url.searchParams.get('_id');
    if (ids !== null) {
      const wanted = new Set(ids.split(','));
      matches = matches.filter((r) => wanted.has(String(r['id'])));
    }
    const patient = url.searchParams.get('patient');
    if (patient !== null)
      matches = matches.filter((r) => {
        const ref = (r['beneficiary'] ?? r['subject']) as { reference?: string } | undefined;
        return ref?.reference?.endsWith(`Patient/${patient}`) ?? false;
      });
    const status = url.searchParams.get('status');
    if (status !== null) matches = matches.filter((r) => r['status'] === status);
    send(200, {
      resourceType: 'Bundle',
      type: 'searchset',
      total: matches.length,
      entry: matches.map((r) => ({
        fullUrl: `${base}/${r.resourceType}/${String(r.id)}`,
        resource: r,
        search: { mode: 'match' },
      })),
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`;
  return {
    base,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
