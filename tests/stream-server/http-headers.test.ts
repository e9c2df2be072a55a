import { afterEach, describe, expect, it } from 'vitest';
import { closeClients, startTestServer, type TestServer } from './support/server.js';

let server: TestServer | undefined;
afterEach(async () => {
  closeClients();
  await server?.close();
  server = undefined;
});

describe('HTTP responses carry protective headers', () => {
  it('pages send a Content-Security-Policy without inline script, nosniff and no-referrer; their HTML has no inline script', async () => {
    server = await startTestServer();
    for (const page of ['/overlay', '/capture']) {
      const response = await fetch(`${server.url}${page}`);
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp).toMatch(/default-src 'none'/);
      expect(csp).toMatch(/script-src 'self'(;|$)/);
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).not.toContain('unsafe-eval');
      expect(csp).toMatch(/base-uri 'none'/);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      const html = await response.text();
      expect(html.match(/<script(?![^>]*\bsrc=)[^>]*>/g) ?? []).toEqual([]);
      expect(html).not.toMatch(/\son[a-z]+=/i);
    }
    expect((await fetch(`${server.url}/capture`)).headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
    for (const path of ['/healthz', '/readyz', '/metrics', '/nowhere']) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    }
  });

  it('/metrics requires the metrics token when one is configured', async () => {
    server = await startTestServer({ metricsToken: 'metrics-secret-token' });
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer wrong-token-here' } })).status).toBe(401);
    const ok = await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer metrics-secret-token' } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('cuecast_stream_sessions');
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});
