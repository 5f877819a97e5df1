import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadServerConfig, sqliteFileOf } from './config.js';

describe('loadServerConfig', () => {
  it('has the documented defaults', () => {
    const c = loadServerConfig({ env: {} });
    expect(c).toMatchObject({ host: '127.0.0.1', port: 8420, dataDir: '.patchwarden', logLevel: 'info', metricsPublic: false });
    expect(c.databaseUrl).toBeUndefined();
    expect(sqliteFileOf(c, '/srv')).toBe('/srv/.patchwarden/patchwarden.db');
  });

  it('layers file < environment < flags', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-config-'));
    const file = join(dir, 'patchwarden.yaml');
    writeFileSync(file, 'port: 9000\nhost: 0.0.0.0\nlogLevel: warn\n');
    const c = loadServerConfig({ file, env: { PATCHWARDEN_PORT: '9100', PATCHWARDEN_LOG_LEVEL: 'debug' }, flags: { logLevel: 'error' } });
    expect(c).toMatchObject({ host: '0.0.0.0', port: 9100, logLevel: 'error' });
  });

  it('names the setting, its source and the rule when a value is wrong', () => {
    expect(() => loadServerConfig({ env: { PATCHWARDEN_PORT: 'eighty' } })).toThrow(/environment PATCHWARDEN_PORT/);
    expect(() => loadServerConfig({ env: { PATCHWARDEN_ADMIN_PASSWORD: 'short' } })).toThrow(/at least 12 characters/);
    expect(() => loadServerConfig({ env: {}, flags: { logLevel: 'loud' } })).toThrow(/flag --logLevel/);
  });

  it('refuses unknown settings in a file and lists the known ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-config-'));
    const file = join(dir, 'c.yaml');
    writeFileSync(file, 'prot: 1\n');
    expect(() => loadServerConfig({ file, env: {} })).toThrow(/unknown setting\(s\) prot .*known settings: host, port/);
  });

  it('refuses a file that is not a mapping, and half a TLS setup', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-config-'));
    const file = join(dir, 'c.yaml');
    writeFileSync(file, '- a\n- b\n');
    expect(() => loadServerConfig({ file, env: {} })).toThrow(/mapping of settings/);
    expect(() => loadServerConfig({ env: { PATCHWARDEN_TLS_CERT_FILE: '/x.pem' } })).toThrow(/both tlsCertFile and tlsKeyFile/);
    expect(() => loadServerConfig({ file: join(dir, 'missing.yaml'), env: {} })).toThrow(/Cannot read the config file/);
  });
});
