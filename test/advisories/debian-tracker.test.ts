import { copyFileSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { convertDebianTracker, importAdvisories, isDebianTracker } from '../../src/advisories/importers/index.js';
import { AdvisoryIndex } from '../../src/advisories/matcher.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { tempDir } from './helpers.js';

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'debian-tracker.json');
const tracker = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, Record<string, unknown>>;
const MODIFIED = '2026-11-01T00:00:00.000Z';

describe('Debian security tracker JSON → OSV', () => {
  const { records, bad, stats } = convertDebianTracker(tracker, { modified: MODIFIED, file: 'tracker.json' });
  const byId = new Map(records.map((r) => [r.id, r]));

  it('makes one DEBIAN-<issue> record per issue across source packages, with the CVE upstream', () => {
    expect(bad).toEqual([]);
    expect(records.map((r) => r.id)).toEqual(['DEBIAN-CVE-2023-38545', 'DEBIAN-CVE-2023-4911', 'DEBIAN-CVE-2024-0727', 'DEBIAN-CVE-2024-5535', 'DEBIAN-TEMP-0000000-1B2C3D']);
    const r = byId.get('DEBIAN-CVE-2024-0727')!;
    expect(r).toMatchObject({
      modified: MODIFIED,
      upstream: ['CVE-2024-0727'],
      summary: 'Processing a maliciously formatted PKCS12 file may lead OpenSSL to crash leading to a potential Denial of Service attack',
      references: [
        { type: 'ADVISORY', url: 'https://security-tracker.debian.org/tracker/CVE-2024-0727' },
        { type: 'REPORT', url: 'https://bugs.debian.org/1061582' },
      ],
      database_specific: { source: 'debian-security-tracker', scope: 'local' },
    });
    // Per release (codename table; sid stays sid) × source package, in release order.
    expect(r.affected?.map((a) => `${a.package?.ecosystem} ${a.package?.name} ${JSON.stringify(a.ranges?.[0]?.events)}`)).toEqual([
      'Debian:10 openssl1.0 [{"introduced":"0"}]',
      'Debian:11 openssl [{"introduced":"0"},{"fixed":"1.1.1w-0+deb11u2"}]',
      'Debian:12 openssl [{"introduced":"0"},{"fixed":"3.0.13-1~deb12u1"}]',
      'Debian:13 openssl [{"introduced":"0"},{"fixed":"3.1.5-1"}]',
      'Debian:sid openssl [{"introduced":"0"},{"fixed":"3.1.5-1"}]',
    ]);
    expect(r.affected?.[1]?.database_specific).toMatchObject({ status: 'resolved', urgency: 'not yet assigned', nodsa: 'Minor issue' });
    expect(r.affected?.[1]?.database_specific?.severity).toBeUndefined();
    expect(r.affected?.[0]?.package?.purl).toBe('pkg:deb/debian/openssl1.0?arch=source');
  });

  it('skips undetermined releases, never-affected ones (fixed_version 0) and unknown codenames, and counts them', () => {
    expect(stats).toEqual({
      packages: 4, issues: 7, records: 5, entries: 11, undetermined: 2, notAffected: 3, withoutAffected: 1, unknownReleases: { warty: 1 }, unusable: 0,
    });
    expect(byId.has('DEBIAN-CVE-2014-0160')).toBe(false);
    expect(byId.get('DEBIAN-CVE-2024-5535')?.affected?.map((a) => a.package?.ecosystem)).toEqual(['Debian:12', 'Debian:13']);
    expect(byId.get('DEBIAN-CVE-2023-38545')?.affected?.map((a) => a.package?.ecosystem)).toEqual(['Debian:12', 'Debian:15']);
    expect(byId.get('DEBIAN-TEMP-0000000-1B2C3D')?.upstream).toBeUndefined();
  });

  it('maps urgency to a severity word', () => {
    const curl = byId.get('DEBIAN-CVE-2023-38545')!.affected![0]!.database_specific;
    expect(curl).toMatchObject({ urgency: 'high**', severity: 'high' });
    expect(byId.get('DEBIAN-TEMP-0000000-1B2C3D')!.affected![0]!.database_specific).toMatchObject({ urgency: 'unimportant', severity: 'negligible' });
    expect(byId.get('DEBIAN-CVE-2024-5535')!.affected![0]!.database_specific).toMatchObject({ status: 'open', severity: 'low', nodsa_reason: 'postponed' });
    expect(byId.get('DEBIAN-CVE-2023-4911')!.affected![0]!.database_specific).toMatchObject({ next_point_update: true, severity: 'medium' });
  });

  it('detects the format by content and reports malformed issues while converting the rest', () => {
    expect(isDebianTracker(tracker)).toBe(true);
    expect(isDebianTracker({ id: 'GHSA-1', modified: '2024-01-01T00:00:00Z' })).toBe(false);
    expect(isDebianTracker({ a: { b: 1 } })).toBe(false);
    expect(isDebianTracker([])).toBe(false);
    const broken = convertDebianTracker(
      { zlib: { 'CVE-2022-37434': { releases: 'bookworm' }, 'NOT-AN-ID': { releases: {} }, 'CVE-2023-45853': { releases: { bookworm: { status: 'open' } } } }, foo: [] },
      { modified: MODIFIED, file: 't.json' },
    );
    expect(broken.records.map((r) => r.id)).toEqual(['DEBIAN-CVE-2023-45853']);
    expect(broken.bad).toEqual([
      { file: 't.json#foo', reason: 'a package maps issue ids to issues; this is not an object' },
      { file: 't.json#zlib/CVE-2022-37434', reason: expect.stringMatching(/^not a tracker issue: releases: /) },
      { file: 't.json#zlib/NOT-AN-ID', reason: '"NOT-AN-ID" is not a CVE-… or TEMP-… id' },
    ]);
  });

  it('gives records the matcher evaluates with dpkg ordering through the source package', () => {
    const index = new AdvisoryIndex();
    for (const record of records) index.add(record);
    const openssl = (version: string, ecosystem = 'Debian:12') =>
      index.match({ ecosystem, name: 'libssl3', version, sourceName: 'openssl', sourceVersion: version }).map((f) => f.advisoryId);
    expect(openssl('3.0.11-1~deb12u2')).toEqual(['DEBIAN-CVE-2024-0727', 'DEBIAN-CVE-2024-5535']);
    expect(openssl('3.0.13-1~deb12u1')).toEqual(['DEBIAN-CVE-2024-5535']); // equal to the fix: not affected; 5535 is open
    expect(openssl('3.0.13-1')).toEqual(['DEBIAN-CVE-2024-5535']);
    expect(openssl('3.1.5-1', 'Debian:13')).toEqual(['DEBIAN-CVE-2024-5535']);
    expect(openssl('3.3.2-1', 'Debian:13')).toEqual([]);
    expect(openssl('1.1.1w-0+deb11u1', 'Debian:11')).toEqual(['DEBIAN-CVE-2024-0727']);
    const finding = index.match({ ecosystem: 'Debian:12', name: 'curl', version: '7.88.1-10+deb12u3' })[0];
    expect(finding).toMatchObject({ advisoryId: 'DEBIAN-CVE-2023-38545', cves: ['CVE-2023-38545'], lowestFixed: '7.88.1-10+deb12u4', severity: { rating: 'high' } });
    expect(index.match({ ecosystem: 'Debian:11', name: 'curl', version: '7.74.0-1.3+deb11u1' })).toEqual([]); // fixed_version 0
  });
});

describeEachDatabase('Debian tracker import', (db) => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('imports the tracker file (detected), re-imports as a no-op, and replaces only issues whose content changed', async () => {
    const { store } = db();
    const file = join(tmp.dir, `${db().dialect}-tracker.json`);
    copyFileSync(FIXTURE, file);
    utimesSync(file, new Date('2026-11-01T00:00:00Z'), new Date('2026-11-01T00:00:00Z'));
    const first = await importAdvisories(file, { sink: store.advisories });
    expect(first).toMatchObject({ kind: 'file', format: 'debian-tracker', read: 5, inserted: 5, bad: [] });
    expect(first.notes.join('\n')).toMatch(/2 undetermined, 3 not affected \(fixed_version 0\), 1 of the unknown release "warty"/);
    expect((await store.advisories.get('DEBIAN-CVE-2024-0727'))?.record.modified).toBe(MODIFIED);
    expect((await store.advisories.findByIdOrAlias('CVE-2023-38545')).map((a) => a.record.id)).toEqual(['DEBIAN-CVE-2023-38545']);
    expect(await importAdvisories(file, { sink: store.advisories, format: 'debian-tracker' })).toMatchObject({ inserted: 0, updated: 0, unchanged: 5 });

    // A newer snapshot (later mtime): only the issue that changed is replaced.
    const changed = structuredClone(tracker) as { glibc: { 'CVE-2023-4911': { releases: { bullseye: Record<string, unknown> } } } };
    changed.glibc['CVE-2023-4911'].releases.bullseye = { status: 'resolved', fixed_version: '2.31-13+deb11u7', urgency: 'medium' };
    writeFileSync(file, JSON.stringify(changed));
    utimesSync(file, new Date('2026-11-20T00:00:00Z'), new Date('2026-11-20T00:00:00Z'));
    const second = await importAdvisories(file, { sink: store.advisories });
    expect(second).toMatchObject({ inserted: 0, updated: 1, unchanged: 4 });
    const glibc = await store.advisories.get('DEBIAN-CVE-2023-4911');
    expect(glibc?.record.modified).toBe('2026-11-20T00:00:00.000Z');
    expect(glibc?.record.affected?.map((a) => a.package?.ecosystem)).toEqual(['Debian:11', 'Debian:12']);
    expect((await store.advisories.get('DEBIAN-CVE-2024-0727'))?.record.modified).toBe(MODIFIED);

    const index = new AdvisoryIndex();
    for await (const batch of store.advisories.loadRecords({ ecosystems: ['Debian:11'] })) for (const r of batch) index.add(r);
    expect(index.match({ ecosystem: 'Debian:11', name: 'libc6', version: '2.31-13+deb11u5', sourceName: 'glibc' }).map((f) => f.advisoryId)).toEqual(['DEBIAN-CVE-2023-4911']);
    expect(index.match({ ecosystem: 'Debian:11', name: 'libc6', version: '2.31-13+deb11u7', sourceName: 'glibc' })).toEqual([]);
  });

  it('refuses a JSON file that is neither OSV nor the tracker', async () => {
    const { store } = db();
    const file = join(tmp.dir, `${db().dialect}-other.json`);
    writeFileSync(file, JSON.stringify({ hello: 'world' }));
    await expect(importAdvisories(file, { sink: store.advisories })).rejects.toThrow(/neither an OSV record, a JSON array of OSV records, nor the Debian security tracker's JSON/);
    writeFileSync(file, '{ broken');
    await expect(importAdvisories(file, { sink: store.advisories })).rejects.toThrow(/other\.json is not valid JSON/);
  });
});
