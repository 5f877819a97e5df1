import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { OSV_DATA_DIR, osvRecord, tempDir } from './helpers.js';

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'debian-tracker.json');
const tmp = tempDir('pw-adv-cli-');
const dataDir = join(tmp.dir, 'data');
afterAll(() => tmp.cleanup());

async function run(args: string[], options: { stdin?: string; env?: Record<string, string> } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const sink = (into: string[]) =>
    new Writable({
      write(chunk: Buffer, _e, cb) {
        into.push(chunk.toString());
        cb();
      },
    });
  const stdin = Readable.from([Buffer.from(options.stdin ?? '')]);
  const code = await main(['node', 'patchwarden', ...args], { stdout: sink(out), stderr: sink(err), stdin, env: options.env ?? {} });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

const local = ['--data-dir', dataDir];

describe('patchwarden advisories (local data directory)', () => {
  it('imports a directory and a zip, then says that re-importing changed nothing', async () => {
    const dir = await run(['advisories', 'import', OSV_DATA_DIR, ...local]);
    expect(dir.code).toBe(0);
    expect(dir.stdout).toMatch(/^Imported .*osv \(directory, osv\) in \d+\.\d s: 175 records read, 175 inserted, 0 updated, 0 unchanged, 0 bad\.$/m);
    expect(dir.stderr).toBe('');
    // The data directory comes from PATCHWARDEN_DATA_DIR as for the server.
    const zip = await run(['advisories', 'import', join(OSV_DATA_DIR, 'PyPI-sample.zip')], { env: { PATCHWARDEN_DATA_DIR: dataDir } });
    expect(zip.stdout).toMatch(/402 records read, 402 inserted/);
    const again = await run(['advisories', 'import', join(OSV_DATA_DIR, 'PyPI-sample.zip'), ...local]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/402 records read, 0 inserted, 0 updated, 402 unchanged, 0 bad\.\nNothing changed/);
  });

  it('imports the Debian tracker JSON and prints the report as JSON', async () => {
    const r = await run(['advisories', 'import', FIXTURE, '--format', 'debian-tracker', '--json', ...local]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { format: string; inserted: number; bad: unknown[]; notes: string[] };
    expect(report).toMatchObject({ format: 'debian-tracker', inserted: 5, bad: [] });
    expect(report.notes.join(' ')).toMatch(/undetermined/);
  });

  it('imports the good records of a broken directory, lists each bad one and says so, exit 0', async () => {
    const broken = join(tmp.dir, 'broken');
    mkdirSync(broken);
    writeFileSync(join(broken, 'GHSA-cli1-good-0001.json'), JSON.stringify(osvRecord('GHSA-cli1-good-0001')));
    writeFileSync(join(broken, 'invalid.json'), '{');
    writeFileSync(join(broken, 'no-modified.yaml'), 'id: GHSA-x\n');
    const r = await run(['advisories', 'import', broken, ...local]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/1 records read, 1 inserted, 0 updated, 0 unchanged, 2 bad\./);
    expect(r.stdout).toContain(`Bad records (2), skipped:\n  ${join(broken, 'invalid.json')}: not valid JSON: `);
    expect(r.stdout).toContain(`  ${join(broken, 'no-modified.yaml')}: not a valid OSV record: GHSA-x: modified: `);
    expect(r.stderr).toBe('patchwarden: 2 bad record(s) skipped (listed above); the other 1 were imported.\n');
  });

  it('exits 6 when nothing could be read', async () => {
    const missing = await run(['advisories', 'import', join(tmp.dir, 'nope'), ...local]);
    expect(missing).toMatchObject({ code: 6, stdout: '' });
    expect(missing.stderr).toMatch(/^patchwarden: Nothing imported: .*nope does not exist: give a directory of OSV records/);
    const allBad = join(tmp.dir, 'all-bad');
    mkdirSync(allBad);
    writeFileSync(join(allBad, 'a.json'), 'nope');
    const bad = await run(['advisories', 'import', allBad, ...local]);
    expect(bad.code).toBe(6);
    expect(bad.stdout).toMatch(/a\.json: not valid JSON/);
    expect(bad.stderr).toMatch(/Nothing could be imported from .*all-bad: all 1 record\(s\) are bad/);
    const eco = await run(['advisories', 'import', allBad, '--ecosystem', 'PyPI', ...local]);
    expect(eco.code).toBe(6);
    const format = await run(['advisories', 'import', allBad, '--format', 'csv', ...local]);
    expect(format.code).toBe(2);
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/osv`;
    await new Promise((resolve) => closed.close(resolve));
    const offline = await run(['advisories', 'import', url, '--ecosystem', 'PyPI,npm', ...local]);
    expect(offline.code).toBe(6);
    expect(offline.stderr).toBe(`patchwarden: Nothing imported: Cannot download ${url}/PyPI/modified_id.csv: ECONNREFUSED (connect ECONNREFUSED 127.0.0.1:${url.split(':')[2]!.split('/')[0]})\n`);
  });

  it('matches one package version: table, JSON, through the source package, and none', async () => {
    const hit = await run(['advisories', 'match', '--ecosystem', 'npm', '--package', 'protobufjs', '--version', '7.2.3', ...local]);
    expect(hit.code).toBe(0);
    expect(hit.stdout).toMatch(/^1 advisory affects npm protobufjs 7\.2\.3:\nADVISORY +CVES +SEVERITY +LOWEST FIX +FIXED IN +SUMMARY\nGHSA-h755-8qp9-cq85 +CVE-2023-36665 +high +7\.2\.4 +7\.2\.4, 6\.11\.4 +protobufjs Prototype Pollution/);
    const json = await run(['advisories', 'match', '--ecosystem', 'npm', '--package', 'protobufjs', '--version=6.11.3', '--json', ...local]);
    expect(JSON.parse(json.stdout)).toMatchObject([{ advisoryId: 'GHSA-h755-8qp9-cq85', cves: ['CVE-2023-36665'], fixedVersions: ['7.2.4', '6.11.4'] }]);
    const deb = await run(['advisories', 'match', '--ecosystem', 'Debian:12', '--package', 'libssl3', '--package-version', '3.0.11-1~deb12u2', '--source-name', 'openssl', '--json', ...local]);
    expect((JSON.parse(deb.stdout) as { advisoryId: string; matchedVia: string }[]).map((f) => [f.advisoryId, f.matchedVia])).toEqual([
      ['DEBIAN-CVE-2024-0727', 'source'],
      ['DEBIAN-CVE-2024-5535', 'source'],
    ]);
    const none = await run(['advisories', 'match', '--ecosystem', 'npm', '--package', 'protobufjs', '--package-version', '7.2.4', ...local]);
    expect(none).toMatchObject({ code: 0, stdout: 'No advisory affects npm protobufjs 7.2.4 (1 advisory of that package checked).\n' });
    const empty = await run(['advisories', 'match', '--ecosystem', 'Alpine:v3.19', '--package', 'musl', '-v', '1.2.4-r2', ...local]);
    expect(empty.code).toBe(0);
    expect(empty.stderr).toBe('patchwarden: no advisories of Alpine are imported; import some with "patchwarden advisories import".\n');
    const unknown = await run(['advisories', 'match', '--ecosystem', 'Hackage', '--package', 'x', '-v', '1', ...local]);
    expect(unknown.code).toBe(6);
    expect(unknown.stderr).toMatch(/Unknown ecosystem "Hackage"/);
    expect((await run(['advisories', 'match', '--ecosystem', 'npm', ...local])).code).toBe(2);
  });

  it('matches a JSONL batch: one output line per input line, malformed lines as {"error"} with the line number on stderr, exit 6', async () => {
    const lines = [
      '{"ecosystem":"npm","name":"protobufjs","version":"7.2.3"}',
      '{"ecosystem":"PyPI","name":"Jinja2","version":"2.10"}',
      'not json',
      '',
      '{"ecosystem":"npm","name":"protobufjs"}',
      '{"ecosystem":"Debian:12","name":"curl","version":"7.88.1-10+deb12u4"}',
      '{"ecosystem":"Hackage","name":"x","version":"1"}',
      '{"ecosystem":"npm","name":"protobufjs","version":"7.2.3"}',
    ];
    const file = join(tmp.dir, 'instances.jsonl');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const r = await run(['advisories', 'match', '--input', file, ...local]);
    expect(r.code).toBe(6);
    const out = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as unknown);
    expect(out).toHaveLength(7);
    expect((out[0] as { advisoryId: string }[]).map((f) => f.advisoryId)).toEqual(['GHSA-h755-8qp9-cq85']);
    expect((out[1] as unknown[]).length).toBeGreaterThan(0);
    expect(out[2]).toEqual({ error: expect.stringMatching(/^not valid JSON/) as unknown });
    expect(out[3]).toEqual({ error: expect.stringMatching(/version/) as unknown });
    expect((out[4] as { advisoryId: string }[]).map((f) => f.advisoryId)).toEqual(['DEBIAN-TEMP-0000000-1B2C3D']); // open, no fix
    expect(out[5]).toEqual({ error: expect.stringMatching(/Unknown ecosystem "Hackage"/) as unknown });
    expect(out[6]).toEqual(out[0]);
    expect(r.stderr).toMatch(/^patchwarden: line 3: not valid JSON/m);
    expect(r.stderr).toMatch(/^patchwarden: line 5: expected \{"ecosystem","name","version"/m);
    expect(r.stderr).toMatch(/^patchwarden: line 7: Unknown ecosystem/m);
    expect(r.stderr).toMatch(/3 malformed input line\(s\)/);

    const stdin = await run(['advisories', 'match', '--input', '-', ...local], { stdin: `${lines[0]}\n${lines[1]}\n` });
    expect(stdin.code).toBe(0);
    expect(stdin.stdout.trimEnd().split('\n')).toHaveLength(2);
    expect((await run(['advisories', 'match', '--input', '-', '--ecosystem', 'npm', ...local])).code).toBe(2);
  });

  it('shows a record by id, every record of a CVE, as text or JSON; an unknown id exits 5', async () => {
    const one = await run(['advisories', 'show', 'GHSA-h755-8qp9-cq85', ...local]);
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/^id: +GHSA-h755-8qp9-cq85\nsummary: +protobufjs Prototype Pollution vulnerability\n/);
    expect(one.stdout).toMatch(/^cves: +CVE-2023-36665$/m);
    expect(one.stdout).toMatch(/^severity: +high/m);
    expect(one.stdout).toMatch(/^affected:\n {2}npm protobufjs\n {4}ECOSYSTEM: introduced 6\.10\.0; fixed "7\.2\.4, 6\.11\.4"$/m);
    expect(one.stdout).toMatch(/^references:\n {2}(ADVISORY|WEB) https:\/\//m);
    const cve = await run(['advisories', 'show', 'CVE-2023-4911', ...local]);
    expect(cve.stdout.match(/^id: +(.*)$/gm)).toEqual(['id:        DEBIAN-CVE-2023-4911', 'id:        UBUNTU-CVE-2023-4911', 'id:        USN-6409-1']);
    const json = JSON.parse((await run(['advisories', 'show', 'DEBIAN-CVE-2024-0727', '--json', ...local])).stdout) as { query: string; advisories: { record: { id: string }; cves: string[] }[] };
    expect(json.query).toBe('DEBIAN-CVE-2024-0727');
    expect(json.advisories.map((a) => [a.record.id, a.cves])).toEqual([['DEBIAN-CVE-2024-0727', ['CVE-2024-0727']]]);
    const missing = await run(['advisories', 'show', 'GHSA-none', ...local]);
    expect(missing.code).toBe(5);
    expect(missing.stderr).toMatch(/No imported advisory has the id or alias "GHSA-none"/);
  });

  it('has help with examples', async () => {
    const help = await run(['advisories', 'import', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Examples:\n {2}patchwarden advisories import/);
    expect(help.stdout).toMatch(/--ecosystem <name>/);
    expect((await run(['advisories', 'match', '--help'])).stdout).toMatch(/--input <file>/);
    expect((await run(['advisories', '--help'])).stdout).toMatch(/import \[options\] <source>/);
  });
});
