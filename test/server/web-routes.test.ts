import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEB_CSP } from '../../src/server/routes/web.routes.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

/** The server's side of the dashboard: index.html for deep links, hashed assets, API paths untouched. */
describe('serving the dashboard', () => {
  let work: string;
  let app: TestApp;
  let bare: TestApp;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'pw-webroot-'));
    mkdirSync(join(work, 'assets'));
    writeFileSync(join(work, 'index.html'), '<!doctype html><title>Patchwarden</title><div id="root"></div><script type="module" src="/assets/app-1a2b.js"></script>');
    writeFileSync(join(work, 'assets/app-1a2b.js'), 'console.log("app")');
    writeFileSync(join(work, 'assets/app-1a2b.js.gz'), gzipSync('console.log("app")'));
    writeFileSync(join(work, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    app = await createTestApp('sqlite', { config: { webRoot: work } });
    bare = await createTestApp('sqlite', { config: { webRoot: join(work, 'not-built') } });
  });
  afterAll(async () => {
    await app?.close();
    await bare?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('answers / and deep links with index.html under the dashboard CSP, without caching it', async () => {
    for (const url of ['/', '/nodes', '/nodes/nd_123?tab=history', '/admin/activations']) {
      const r = await app.as(null, 'GET', url, undefined, { accept: 'text/html,application/xhtml+xml' });
      expect(r.statusCode, url).toBe(200);
      expect(r.headers['content-type']).toContain('text/html');
      expect(r.body).toContain('<div id="root">');
      expect(r.headers['content-security-policy']).toBe(WEB_CSP);
      expect(r.headers['cache-control']).toBe('no-cache');
      expect(r.headers['x-frame-options']).toBe('DENY');
    }
  });

  it('serves hashed assets for a year and the icon', async () => {
    const js = await app.as(null, 'GET', '/assets/app-1a2b.js');
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toContain('javascript');
    expect(js.headers['cache-control']).toContain('immutable');
    expect(js.body).toContain('console.log');
    const gz = await app.app.inject({ method: 'GET', url: '/assets/app-1a2b.js', headers: { 'accept-encoding': 'gzip, deflate' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.rawPayload).toString()).toBe('console.log("app")');
    expect((await app.as(null, 'GET', '/favicon.svg')).statusCode).toBe(200);
    expect((await app.as(null, 'GET', '/assets/missing-0000.js')).statusCode).toBe(404);
    expect((await app.as(null, 'GET', '/assets/../index.html')).statusCode).not.toBe(200);
  });

  it('leaves API and system paths to the API: unknown ones are JSON 404s, never the page', async () => {
    for (const url of ['/api/v1/no-such-route', '/api/nothing', '/healthz/x']) {
      const r = await app.as(null, 'GET', url, undefined, { accept: 'text/html' });
      expect(r.statusCode, url).toBe(404);
      expect(r.json()).toMatchObject({ error: { code: 'not_found' } });
    }
    // A request that does not ask for HTML (a script, a typo in a client) gets the JSON 404 too.
    const r = await app.as(null, 'GET', '/nodes', undefined, { accept: 'application/json' });
    expect(r.statusCode).toBe(404);
    expect((await app.as(null, 'GET', '/healthz')).json()).toMatchObject({ status: 'ok' });
    expect((await app.as(null, 'GET', '/api/docs')).statusCode).toBe(200);
  });

  it('explains how to build the dashboard when it is not built', async () => {
    const r = await bare.as(null, 'GET', '/', undefined, { accept: 'text/html' });
    expect(r.statusCode).toBe(200);
    expect(r.body).toContain('npm run build');
    expect(r.body).toContain('/api/docs');
  });
});
