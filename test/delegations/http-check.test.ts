/**
 * runHttpCheck against a real local HTTP server: the allow-list (host, host:port, *.domain,
 * refused without any request), only http/https, expected statuses, body search within 64 KiB,
 * redirects not followed, timeouts and unreachable hosts.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTP_CHECK_MAX_BODY, isHostAllowed, parseAllowedHost, runHttpCheck, type HttpCheckSpec } from '../../src/server/automation/http-check.js';

describe('HTTP checks', () => {
  let server: Server;
  let port: number;
  const seen: IncomingMessage[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req);
      const url = new URL(req.url ?? '/', 'http://x');
      switch (url.pathname) {
        case '/health':
          res.writeHead(200, { 'content-type': 'text/plain' }).end(req.method === 'HEAD' ? undefined : 'status: ok');
          return;
        case '/down':
          res.writeHead(503).end('maintenance');
          return;
        case '/redirect':
          res.writeHead(302, { location: `http://127.0.0.1:${port}/health` }).end();
          return;
        case '/big': {
          // 1 MiB of filler, then the marker: beyond the 64 KiB read.
          res.writeHead(200);
          res.write('x'.repeat(1024 * 1024));
          res.end('MARKER');
          return;
        }
        case '/slow':
          setTimeout(() => res.writeHead(200).end('late'), 3000);
          return;
        default:
          res.writeHead(404).end('no');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const spec = (path: string, over: Partial<HttpCheckSpec> = {}): HttpCheckSpec => ({ url: `http://127.0.0.1:${port}${path}`, method: 'GET', expectStatus: [200], bodyContains: null, ...over });
  const allowed = () => [`127.0.0.1:${port}`];

  it('passes on an expected status, with the body search', async () => {
    const r = await runHttpCheck(spec('/health', { bodyContains: 'status: ok' }), allowed(), 5000);
    expect(r.ok).toBe(true);
    expect(r.status).toBe(200);
    expect(r.detail).toMatch(/answered 200 in \d+ ms/);
    expect((await runHttpCheck(spec('/health', { method: 'HEAD' }), ['127.0.0.1'], 5000)).ok).toBe(true);
    expect((await runHttpCheck(spec('/down', { expectStatus: [503] }), allowed(), 5000)).ok).toBe(true);
  });

  it('fails on another status or a missing body text, saying what came', async () => {
    const down = await runHttpCheck(spec('/down'), allowed(), 5000);
    expect(down).toMatchObject({ ok: false, status: 503 });
    expect(down.detail).toContain('answered 503, expected 200');
    const text = await runHttpCheck(spec('/health', { bodyContains: 'degraded' }), allowed(), 5000);
    expect(text).toMatchObject({ ok: false, status: 200 });
    expect(text.detail).toContain('does not contain "degraded"');
  });

  it('refuses hosts not on the allow-list without sending any request', async () => {
    const before = seen.length;
    for (const list of [[], ['example.com'], [`127.0.0.1:${port + 1}`], ['*.0.0.1'], ['*.0.1:' + String(port)], ['localhost'], ['127.0.0.10']]) {
      const r = await runHttpCheck(spec('/health'), list, 5000);
      expect(r.ok).toBe(false);
      expect(r.status).toBeNull();
      expect(r.detail).toContain(`host 127.0.0.1:${port} is not on the HTTP check allow-list`);
      expect(r.detail).toContain('patchwarden automation-settings set --check-hosts');
    }
    expect(seen.length).toBe(before);
  });

  it('matches host, host:port (default ports too) and *.domain entries', () => {
    const u = (s: string) => new URL(s);
    expect(isHostAllowed(u('http://health.example.com:8080/'), ['health.example.com'])).toBe(true);
    expect(isHostAllowed(u('http://health.example.com:8080/'), ['health.example.com:8080'])).toBe(true);
    expect(isHostAllowed(u('http://health.example.com:8081/'), ['health.example.com:8080'])).toBe(false);
    expect(isHostAllowed(u('https://health.example.com/'), ['health.example.com:443'])).toBe(true);
    expect(isHostAllowed(u('http://health.example.com/'), ['health.example.com:443'])).toBe(false);
    expect(isHostAllowed(u('http://a.svc.example.com/'), ['*.example.com'])).toBe(true);
    expect(isHostAllowed(u('http://example.com/'), ['*.example.com'])).toBe(false);
    expect(isHostAllowed(u('http://evil-example.com/'), ['*.example.com'])).toBe(false);
    expect(isHostAllowed(u('http://example.com.evil.net/'), ['example.com', '*.example.com'])).toBe(false);
    expect(isHostAllowed(u('http://a.svc.example.com:9000/'), ['*.example.com:9000'])).toBe(true);
    expect(isHostAllowed(u('http://a.svc.example.com:9001/'), ['*.example.com:9000'])).toBe(false);
    expect(isHostAllowed(u('http://HEALTH.Example.COM/'), ['Health.example.com'])).toBe(true);
    expect(isHostAllowed(u('http://[::1]:8080/'), ['[::1]'])).toBe(true);
    expect(isHostAllowed(u('http://[::1]:8080/'), ['[::1]:8081'])).toBe(false);
  });

  it('validates allow-list entries with a message saying how to write them', () => {
    expect(parseAllowedHost(' Health.Example.com:8080 ')).toMatchObject({ ok: true, entry: 'health.example.com:8080' });
    expect(parseAllowedHost('*.svc.example.com')).toMatchObject({ ok: true, entry: '*.svc.example.com' });
    expect(parseAllowedHost('[::1]:80')).toMatchObject({ ok: true, entry: '[::1]:80' });
    for (const bad of ['', 'http://example.com', 'example.com/path', 'example.com:0', 'example.com:70000', '*', '*.com', 'a.*.example.com', '*.10.0.0', '::1', 'user@host', 'exa mple.com']) {
      const r = parseAllowedHost(bad);
      expect(r.ok, bad).toBe(false);
      if (!r.ok) expect(r.error).toContain('use host, host:port or *.domain');
    }
  });

  it('checks only http and https URLs', async () => {
    for (const url of ['ftp://127.0.0.1/x', 'file:///etc/passwd', 'gopher://127.0.0.1/']) {
      const r = await runHttpCheck({ ...spec('/'), url }, ['127.0.0.1'], 5000);
      expect(r.ok).toBe(false);
      expect(r.detail).toContain('only http and https URLs can be checked');
    }
    const bad = await runHttpCheck({ ...spec('/'), url: 'not a url' }, ['127.0.0.1'], 5000);
    expect(bad.detail).toContain('is not a valid URL');
    const creds = await runHttpCheck({ ...spec('/'), url: `http://user:pw@127.0.0.1:${port}/health` }, ['127.0.0.1'], 5000);
    expect(creds).toMatchObject({ ok: false, status: null });
  });

  it('does not follow redirects: the 3xx is the answer', async () => {
    const before = seen.length;
    const r = await runHttpCheck(spec('/redirect'), allowed(), 5000);
    expect(r).toMatchObject({ ok: false, status: 302 });
    expect(r.detail).toContain('redirect to');
    expect(r.detail).toContain('not followed');
    expect(seen.length - before).toBe(1);
    expect((await runHttpCheck(spec('/redirect', { expectStatus: [302] }), allowed(), 5000)).ok).toBe(true);
  });

  it('reads at most 64 KiB of the body', async () => {
    expect(HTTP_CHECK_MAX_BODY).toBe(65536);
    const r = await runHttpCheck(spec('/big', { bodyContains: 'MARKER' }), allowed(), 5000);
    expect(r).toMatchObject({ ok: false, status: 200 });
    expect(r.detail).toContain(`the first ${HTTP_CHECK_MAX_BODY} bytes of the body`);
    expect((await runHttpCheck(spec('/big', { bodyContains: 'xxxx' }), allowed(), 5000)).ok).toBe(true);
  });

  it('times out, and reports unreachable hosts', async () => {
    const started = Date.now();
    const slow = await runHttpCheck(spec('/slow'), allowed(), 300);
    expect(Date.now() - started).toBeLessThan(2500);
    expect(slow).toMatchObject({ ok: false, status: null });
    expect(slow.detail).toContain('timed out after 300 ms');

    // A port nothing listens on (bound, then closed).
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const freePort = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const refused = await runHttpCheck({ ...spec('/health'), url: `http://127.0.0.1:${freePort}/health` }, ['127.0.0.1'], 3000);
    expect(refused).toMatchObject({ ok: false, status: null });
    expect(refused.detail).toMatch(/failed: .*ECONNREFUSED/);
  });
});
