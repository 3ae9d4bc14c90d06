import assert from 'node:assert/strict';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { describe, test } from 'node:test';
import helmet from 'helmet';
import { SECURITY_HEADERS, SECURITY_OPTIONS, staticSecurityHeaders } from './security-headers.js';

/** What helmet's middleware sets on a real Node response. */
function helmetOnRealResponse(options: typeof SECURITY_OPTIONS): Record<string, unknown> {
  const req = new IncomingMessage(new Socket());
  const res = new ServerResponse(req);
  let called = false;
  helmet(options)(req, res, (err?: unknown) => {
    assert.equal(err, undefined);
    called = true;
  });
  assert.ok(called);
  return { ...res.getHeaders() };
}

describe('security headers read off helmet once', () => {
  test('are exactly the headers helmet sets on a real response', () => {
    assert.deepEqual({ ...SECURITY_HEADERS }, helmetOnRealResponse(SECURITY_OPTIONS));
    assert.match(SECURITY_HEADERS['content-security-policy'] ?? '', /frame-ancestors 'none'/);
    assert.equal(SECURITY_HEADERS['strict-transport-security'], undefined);
  });

  test('a CSP directive computed per request is refused, not frozen', () => {
    assert.throws(
      () =>
        staticSecurityHeaders({
          contentSecurityPolicy: { directives: { scriptSrc: ["'self'", () => "'nonce-x'"] } },
        }),
      /computed per request/,
    );
  });
});
