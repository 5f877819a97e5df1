import { Readable, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

async function run(args: string[], stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const sink = (into: string[]) =>
    new Writable({
      write(chunk: Buffer, _e, cb) {
        into.push(chunk.toString());
        cb();
      },
    });
  const code = await main(['node', 'patchwarden', ...args], { stdout: sink(out), stderr: sink(err), stdin: Readable.from([Buffer.from(stdin)]), env: {} });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe('patchwarden version compare', () => {
  it.each([
    ['deb', '1:1.0-1', '2.0-1', '1'],
    ['deb', '1.0~rc1', '1.0', '-1'],
    ['rpm', '1.0^git1', '1.0', '1'],
    ['semver', '1.0.0-rc.1', '1.0.0', '-1'],
    ['pep440', '1.0', '1.0.0', '0'],
    ['apk', '1.2.3_rc1', '1.2.3', '-1'],
  ])('--scheme %s %s %s prints %s', async (scheme, a, b, expected) => {
    const r = await run(['version', 'compare', '--scheme', scheme, a, b]);
    expect(r).toEqual({ code: 0, stdout: `${expected}\n`, stderr: '' });
  });

  it('names the version and the scheme of an invalid version, exit code 6', async () => {
    const r = await run(['version', 'compare', '--scheme', 'deb', '1:', '2']);
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/"1:".*deb/);
  });

  it('refuses an unknown scheme and a missing version as usage errors (exit 2)', async () => {
    expect((await run(['version', 'compare', '--scheme', 'zip', '1', '2'])).code).toBe(2);
    expect((await run(['version', 'compare', '--scheme', 'deb', '1'])).code).toBe(2);
  });

  it('compares a batch from stdin, one result per line, keeping lines aligned on errors', async () => {
    const r = await run(['version', 'compare', '--scheme', 'pep440', '--stdin'], '1.0 1.0.0\n1.0a1 1.0\n\n# comment\nfoo 1\n2.0 1.0\n1 2 3\n');
    expect(r.stdout).toBe('0\n-1\nerror\n1\nerror\n');
    expect(r.stderr).toMatch(/line 5: .*"foo".*pep440/);
    expect(r.stderr).toMatch(/line 7: expected two versions/);
    expect(r.code).toBe(6);
  });

  it('handles a large batch in one process', async () => {
    const lines = Array.from({ length: 20000 }, (_, i) => `1:2.${i % 97}-${i % 13} 1:2.${i % 89}-1`).join('\n');
    const r = await run(['version', 'compare', '--scheme', 'deb', '--stdin'], lines);
    expect(r.code).toBe(0);
    const results = r.stdout.trim().split('\n');
    expect(results).toHaveLength(20000);
    const i = 500;
    const a = i % 97;
    const b = i % 89;
    expect(results[i]).toBe(String(a === b ? Math.sign(i % 13 - 1) : Math.sign(a - b)));
  });
});
