/** The dnf driver's parsers of rpm and dnf output (no dnf needed): table-driven, strict. */
import { mkdtemp, readFile, rm as remove } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DnfRunner } from '../../src/agent/package-managers/dnf/dnf-runner.js';
import { parseRpmQuery, parseSourceRpm, formatEvr } from '../../src/agent/package-managers/dnf/rpm-packages.js';
import { parseDuplicates, parseTransaction } from '../../src/agent/package-managers/dnf/transaction.js';
import { classify, mapSeverity, parseNevra, parseUpdateinfoInfo, parseUpdateinfoList } from '../../src/agent/package-managers/dnf/updateinfo.js';
import { parseRepoSites, parseUpgrades, siteOf } from '../../src/agent/package-managers/dnf/upgrades.js';
import { lockMatches, parseVersionlockList } from '../../src/agent/package-managers/dnf/versionlock.js';
import { hostRebootSignal } from '../../src/agent/package-managers/dnf/reboot.js';

const S = '\x1f';

describe('rpm query', () => {
  it.each([
    [null, '1.0', '1', '1.0-1'],
    ['(none)', '1.0', '1', '1.0-1'],
    ['0', '1.0', '1', '1.0-1'],
    ['2', '1.0', '1.el9', '2:1.0-1.el9'],
  ])('formatEvr(%s, %s, %s) = %s', (e, v, r, want) => expect(formatEvr(e, v, r)).toBe(want));

  it('splits source rpm file names', () => {
    expect(parseSourceRpm('openssl-3.0.7-27.el9.src.rpm')).toEqual({ name: 'openssl', version: '3.0.7', release: '27.el9' });
    expect(parseSourceRpm('python3-foo-bar-1.2-3.nosrc.rpm')).toEqual({ name: 'python3-foo-bar', version: '1.2', release: '3' });
    expect(parseSourceRpm('garbage')).toBeNull();
  });

  it('parses packages, carries the epoch to the source version, skips gpg-pubkey, rejects stray lines', () => {
    const out = [
      ['PW', 'openssl-libs', 'x86_64', '1', '3.0.7', '27.el9', 'openssl-3.0.7-27.el9.src.rpm'].join(S),
      ['PW', 'gpg-pubkey', '(none)', '(none)', 'fd431d51', '4ae0493b', '(none)'].join(S),
      ['PW', 'bash', 'x86_64', '(none)', '5.1.8', '9.el9', 'bash-5.1.8-9.el9.src.rpm'].join(S),
    ].join('\n');
    expect(parseRpmQuery(out)).toEqual([
      { name: 'bash', arch: 'x86_64', version: '5.1.8-9.el9', sourceName: 'bash', sourceVersion: '5.1.8-9.el9' },
      { name: 'openssl-libs', arch: 'x86_64', version: '1:3.0.7-27.el9', sourceName: 'openssl', sourceVersion: '1:3.0.7-27.el9' },
    ]);
    expect(() => parseRpmQuery('warning: something\n')).toThrow(/Unexpected line/);
  });
});

describe('dnf repoquery and repoinfo', () => {
  it('keeps the newest candidate per name and arch', () => {
    const line = (n: string, e: string, v: string, r: string) => ['PW', n, e, v, r, 'x86_64', 'baseos', 'System'].join(S);
    const ups = parseUpgrades([line('a', '0', '1.0', '2'), line('a', '0', '1.0', '10'), line('b', '1', '2.0', '1')].join('\n'));
    expect(ups.map((u) => [u.name, u.evr])).toEqual([['a', '1.0-10'], ['b', '1:2.0-1']]);
    expect(() => parseUpgrades('a-1.0-1.noarch\n')).toThrow(/Unexpected line/);
  });

  it('finds each repository site', () => {
    const text = 'Repo-id            : baseos\nRepo-baseurl       : https://mirror.example.org/9/BaseOS/, https://b.example\n\nRepo-id            : local\nRepo-baseurl       : file:///srv/repo\n\nRepo-id            : epel\nRepo-metalink      : https://mirrors.fedoraproject.org/metalink?repo=epel-9\n';
    expect(Object.fromEntries(parseRepoSites(text))).toEqual({ baseos: 'mirror.example.org', local: 'local', epel: 'mirrors.fedoraproject.org' });
    expect(siteOf('/srv/repo')).toBe('local');
  });
});

describe('updateinfo', () => {
  it.each([
    ['demo-ep-1:2.0-2.noarch', { name: 'demo-ep', evr: '1:2.0-2', arch: 'noarch' }],
    ['kernel-core-5.14.0-427.13.1.el9_4.x86_64', { name: 'kernel-core', evr: '5.14.0-427.13.1.el9_4', arch: 'x86_64' }],
    ['a-0:1-1.noarch', { name: 'a', evr: '1-1', arch: 'noarch' }],
  ])('parseNevra(%s)', (nevra, want) => expect(parseNevra(nevra)).toEqual(want));

  it('parses list lines strictly', () => {
    const text = 'RLSA-2024:1234 Important/Sec. openssl-libs-1:3.0.7-27.el9.x86_64\nRLBA-2024:1 bugfix         bash-5.1.8-9.el9.x86_64\n';
    expect(parseUpdateinfoList(text)).toEqual([
      { advisoryId: 'RLSA-2024:1234', name: 'openssl-libs', evr: '1:3.0.7-27.el9', arch: 'x86_64' },
      { advisoryId: 'RLBA-2024:1', name: 'bash', evr: '5.1.8-9.el9', arch: 'x86_64' },
    ]);
    expect(() => parseUpdateinfoList('Last metadata expiration check: 0:00:01 ago\n')).toThrow(/Unexpected line/);
  });

  it('parses info blocks with continuation lines and multi-line descriptions', () => {
    const rule = '='.repeat(79);
    const text = [
      rule,
      '  Important: openssl security update',
      rule,
      '  Update ID: RLSA-2024:1234',
      '       Type: security',
      '    Updated: 2024-03-01 10:20:30',
      '       Bugs: 1 - bug',
      '       CVEs: CVE-2024-0001',
      '           : CVE-2024-0002',
      'Description: first line',
      '           : Severity: not a field',
      '   Severity: Important',
      '',
      rule,
      '  bash bug fix',
      rule,
      '  Update ID: RLBA-2024:1',
      '       Type: bugfix',
      '    Updated: 2024-02-01 00:00:00',
      'Description: fixes',
      '   Severity: None',
    ].join('\n');
    const adv = parseUpdateinfoInfo(text);
    expect(adv.get('RLSA-2024:1234')).toEqual({ id: 'RLSA-2024:1234', type: 'security', severity: 'Important', updated: '2024-03-01T10:20:30Z', cves: ['CVE-2024-0001', 'CVE-2024-0002'] });
    expect(adv.get('RLBA-2024:1')).toMatchObject({ type: 'bugfix', severity: 'None', cves: [] });
  });

  it.each([
    ['Critical', 'critical'],
    ['Important', 'high'],
    ['Moderate', 'medium'],
    ['Low', 'low'],
    ['None', 'none'],
    ['', 'unknown'],
  ])('maps severity %s to %s', (s, want) => expect(mapSeverity(s)).toBe(want));

  it('classifies from all covering advisories', () => {
    const c = classify([
      { id: 'B', type: 'bugfix', severity: 'None', updated: '2024-01-02T00:00:00Z', cves: [] },
      { id: 'A', type: 'security', severity: 'Moderate', updated: '2024-01-01T00:00:00Z', cves: ['CVE-2', 'CVE-1'] },
    ]);
    expect(c).toEqual({ security: true, classification: 'security', severity: 'medium', advisoryIds: ['A', 'B'], cves: ['CVE-1', 'CVE-2'], releaseDate: '2024-01-02T00:00:00Z' });
    expect(classify([])).toEqual({ security: false, classification: '', severity: 'unknown', advisoryIds: [], cves: [], releaseDate: null });
  });
});

describe('transaction table', () => {
  it('finds removals, obsoleted packages, missing and excluded arguments', () => {
    const text = [
      'No match for argument: demo-nope-1.0-1',
      'All matches were filtered out by exclude filtering for argument: demo-plain-1.0-2',
      'Dependencies resolved.',
      '='.repeat(80),
      ' Package           Architecture    Version          Repository             Size',
      '='.repeat(80),
      'Installing:',
      ' demo-new          noarch          1.0-1            updates               6.1 k',
      '     replacing  demo-old.noarch 1.0-1',
      'Upgrading:',
      ' a-very-long-package-name-that-wraps',
      '                   noarch          1.0-2            updates               6.0 k',
      'Removing dependent packages:',
      ' demo-app          noarch          2.0-1            @updates               15',
      'Downgrading:',
      ' demo-lib          noarch          1.0-1            base                  6.0 k',
      '',
      'Transaction Summary',
      '='.repeat(80),
      'Install  1 Package',
    ].join('\n');
    const tx = parseTransaction(text);
    expect(tx.removed).toEqual(['demo-app', 'demo-old']);
    expect(tx.noMatch).toEqual(['demo-nope-1.0-1']);
    expect(tx.excluded).toEqual(['demo-plain-1.0-2']);
    expect(tx.sections.get('Upgrading')).toEqual(['a-very-long-package-name-that-wraps']);
    expect(tx.sections.get('Downgrading')).toEqual(['demo-lib']);
  });
});

describe('duplicates and same-name replacements', () => {
  it('names duplicated packages; a replaced version of the same package is no removal', () => {
    expect(parseDuplicates('demo-lib-1.0-1.noarch is a duplicate with demo-lib-1.0-3.noarch\nError: Check discovered 1 problem(s)\n')).toEqual(['demo-lib']);
    const tx = parseTransaction('Downgrading:\n demo-lib          noarch          1.0-2            updates          6.0 k\n     replacing  demo-lib.noarch 1.0-3\n');
    expect(tx.removed).toEqual([]);
  });
});

describe('versionlock list', () => {
  it('parses locks and excludes (both epoch placements), and matches globs', () => {
    const locks = parseVersionlockList('# c\n\ndemo-held-0:1.0-1.*\n!bad-pkg-2:3.0-1.el9.x86_64\n1:old-style-2.0-1.noarch\nweird\n');
    expect(locks).toEqual([
      { name: 'demo-held', evr: '1.0-1' },
      { name: 'bad-pkg', evr: null },
      { name: 'old-style', evr: '1:2.0-1' },
      { name: 'weird', evr: null },
    ]);
    expect(lockMatches({ name: 'kernel*', evr: null }, 'kernel-core')).toBe(true);
    expect(lockMatches({ name: 'kernel', evr: null }, 'kernel-core')).toBe(false);
  });
});

describe('host reboot signal', () => {
  it('needs-restarting rule and a newer kernel than the running one', () => {
    const installs = 'glibc 2.34-100.el9.x86_64 2000\nkernel-core 5.14.0-427.el9.x86_64 1500\nkernel-core 5.14.0-362.el9.x86_64 900\npackage zlib is not installed\n';
    expect(hostRebootSignal(installs, 1000, '5.14.0-362.el9.x86_64')).toEqual({ required: true, reasons: ['needs-restarting', 'newer-kernel-installed'], packages: ['glibc', 'kernel-core'] });
    expect(hostRebootSignal(installs, 3000, '5.14.0-427.el9.x86_64')).toEqual({ required: false, reasons: [], packages: [] });
    expect(hostRebootSignal('', 3000, '6.1.0-18-amd64').required).toBe(false);
  });
});

describe('dnf command lines', () => {
  it('isolates a root (installroot, config, reposdir, pluginconfpath, --noplugins, HOME macros); uses the system defaults on /', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pw-dnf-args-'));
    try {
      const runner = new DnfRunner({ root: join(dir, 'root'), stateDir: join(dir, 'state') });
      await runner.prepare();
      expect(runner.dnfArgs(false)).toEqual([
        `--installroot=${join(dir, 'root')}`,
        `--config=${join(dir, 'state/dnf.conf')}`,
        `--setopt=reposdir=${join(dir, 'root/etc/yum.repos.d')}`,
        `--setopt=pluginconfpath=${join(dir, 'state/plugins')}`,
        '--noplugins',
        '--setopt=exit_on_lock=True',
        '--setopt=color=never',
        '--setopt=*.metadata_expire=3600',
      ]);
      expect(runner.dnfArgs(true).at(-1)).toBe('-C');
      expect(await readFile(join(dir, 'state/home/.rpmmacros'), 'utf8')).toBe('%_dbpath /var/lib/rpm\n');
      expect(await readFile(join(dir, 'state/dnf.conf'), 'utf8')).toBe('[main]\n');
      const host = new DnfRunner({ root: '/', stateDir: join(dir, 'host-state'), metadataExpireSeconds: 0 });
      await host.prepare();
      expect(host.isolated).toBe(false);
      expect(host.dnfArgs(false)).toEqual(['--setopt=exit_on_lock=True', '--setopt=color=never', '--refresh']);
    } finally {
      await remove(dir, { recursive: true, force: true });
    }
  });
});
