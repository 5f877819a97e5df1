import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { endpoints } from '../../src/contracts/api.js';
import { cliConfigPath, normalizeServerUrl, readCliConfig, writeCliConfig } from '../../src/cli/cli-config.js';
import { expandPath, queryString, sessionCookieOf } from '../../src/cli/client.js';
import { timeArg } from '../../src/cli/commands/audit.command.js';
import { sortFieldsOf } from '../../src/cli/options.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { formatFields, formatTable, formatTime, pageFooter } from '../../src/cli/output.js';

describe('output', () => {
  it('formatTable aligns columns under a header, without trailing spaces, "-" for empty cells', () => {
    const rows = [
      { name: 'default', role: 'admin', note: null },
      { name: 'a', role: 'viewer', note: 'two\nlines' },
    ];
    const text = formatTable(rows, [
      { header: 'NAME', value: (r) => r.name },
      { header: 'ROLE', value: (r) => r.role },
      { header: 'NOTE', value: (r) => r.note },
    ]);
    expect(text).toBe('NAME     ROLE    NOTE\ndefault  admin   -\na        viewer  two lines\n');
  });

  it('formatFields aligns values after the keys', () => {
    expect(formatFields([['id', 'x'], ['display name', null], ['ok', true]])).toBe('id:           x\ndisplay name: -\nok:           true\n');
  });

  it('formatTime and pageFooter', () => {
    expect(formatTime('2026-11-27T12:00:05.123Z')).toBe('2026-11-27 12:00:05Z');
    expect(formatTime(null)).toBe('-');
    expect(pageFooter({ total: 2, limit: 50, offset: 0, items: [1, 2] })).toBeUndefined();
    expect(pageFooter({ total: 5, limit: 2, offset: 2, items: [1, 2] })).toBe('(3-4 of 5; next page: --offset 4)\n');
    expect(pageFooter({ total: 5, limit: 2, offset: 4, items: [1] })).toBe('(5-5 of 5)\n');
  });
});

describe('CLI config', () => {
  it('lives at $PATCHWARDEN_CLI_CONFIG, else $XDG_CONFIG_HOME/patchwarden, else ~/.config/patchwarden', () => {
    expect(cliConfigPath({ PATCHWARDEN_CLI_CONFIG: '/etc/pw.json', XDG_CONFIG_HOME: '/x', HOME: '/h' })).toBe('/etc/pw.json');
    expect(cliConfigPath({ XDG_CONFIG_HOME: '/x', HOME: '/h' })).toBe('/x/patchwarden/cli.json');
    expect(cliConfigPath({ XDG_CONFIG_HOME: 'relative', HOME: '/h' })).toBe('/h/.config/patchwarden/cli.json');
    expect(cliConfigPath({ HOME: '/h' })).toBe('/h/.config/patchwarden/cli.json');
  });

  it('is written with mode 0600 even over a wider file, and removed when empty', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-cfg-'));
    try {
      const path = join(dir, 'sub', 'cli.json');
      expect(readCliConfig(path)).toEqual({});
      writeCliConfig(path, { server: 'http://a:1' });
      writeFileSync(path, JSON.stringify({ server: 'http://a:1' }), { mode: 0o644 });
      writeCliConfig(path, { server: 'http://a:1', token: 'pw_tok_a.b', tokenId: 'tok_a' });
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(statSync(join(dir, 'sub')).mode & 0o777).toBe(0o700);
      expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ server: 'http://a:1', token: 'pw_tok_a.b', tokenId: 'tok_a' });
      writeCliConfig(path, {});
      expect(readCliConfig(path)).toEqual({});
      writeFileSync(path, JSON.stringify({ server: 42 }));
      expect(() => readCliConfig(path)).toThrow(/is invalid \(server: /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('normalizes server URLs and refuses others', () => {
    expect(normalizeServerUrl('http://127.0.0.1:8420/')).toBe('http://127.0.0.1:8420');
    expect(normalizeServerUrl('pw.example.com:8420')).toBe('http://pw.example.com:8420');
    expect(normalizeServerUrl('https://pw.example.com/patchwarden/')).toBe('https://pw.example.com/patchwarden');
    expect(normalizeServerUrl('ftp://x')).toBeUndefined();
    expect(normalizeServerUrl('http://user:pw@x')).toBeUndefined();
    expect(normalizeServerUrl('http://')).toBeUndefined();
  });
});

describe('client helpers', () => {
  it('fill path templates with encoded values and build query strings', () => {
    expect(expandPath('/api/v1/accounts/{accountId}/members/{userId}', { accountId: 'acct_1', userId: 'a/b' })).toBe('/api/v1/accounts/acct_1/members/a%2Fb');
    expect(() => expandPath('/api/v1/accounts/{accountId}', {})).toThrow('path parameter "accountId"');
    expect(queryString({ limit: 5, q: 'a b&c', skip: undefined, all: true })).toBe('?limit=5&q=a+b%26c&all=true');
    expect(queryString({})).toBe('');
  });

  it('finds the session cookie among Set-Cookie headers', () => {
    const headers = new Headers();
    headers.append('set-cookie', 'other=1; Path=/');
    headers.append('set-cookie', 'pw_session=abc.def; Path=/; HttpOnly; SameSite=Strict');
    expect(sessionCookieOf(headers, 'pw_session')).toBe('pw_session=abc.def');
    expect(sessionCookieOf(new Headers(), 'pw_session')).toBeUndefined();
  });

  it('reads the sort fields of a list endpoint from its contract', () => {
    expect(sortFieldsOf(endpoints.listAudit)).toEqual({ values: ['at', '-at'], fallback: '-at' });
    expect(sortFieldsOf(endpoints.getMe)).toEqual({ values: [], fallback: undefined });
  });
});

describe('audit --since/--until', () => {
  const parse = timeArg(() => new Date('2026-11-27T12:00:00.000Z'));
  it('takes ISO times, dates and durations back from now', () => {
    expect(parse('2026-11-01T08:30:00+02:00')).toBe('2026-11-01T06:30:00.000Z');
    expect(parse('2026-11-01')).toBe('2026-11-01T00:00:00.000Z');
    expect(parse('30m')).toBe('2026-11-27T11:30:00.000Z');
    expect(parse('2d')).toBe('2026-11-25T12:00:00.000Z');
    expect(() => parse('soon')).toThrow('expected a time');
  });
});

describe('docs/cli.md', () => {
  it('lists every exit code of exit-codes.ts', () => {
    const doc = readFileSync(new URL('../../docs/cli.md', import.meta.url), 'utf8');
    const rows = [...doc.matchAll(/^\| (\d+) \| (\w+) \|/gm)].map((m) => [m[2], Number(m[1])]);
    expect(Object.fromEntries(rows)).toEqual(EXIT);
  });
});
