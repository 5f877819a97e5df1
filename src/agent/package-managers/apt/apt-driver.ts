import { mkdir, readdir } from 'node:fs/promises';
import { release } from 'node:os';
import { join } from 'node:path';
import type { InstalledPackage, PendingUpdate, UpdateOrigin } from '../../../contracts/inventory.contract.js';
import { compareDeb } from '../../../versioning/index.js';
import type { ExecResult } from '../../exec.js';
import { installedKernels } from '../../inventory/kernels.js';
import { rebootStatus } from '../../inventory/reboot.js';
import type { InstallItem, InstallOptions, InstallOutcome, InstallResult, PackageManagerDriver, ScanOptions } from '../driver.js';
import { changelogEntries, cvesSince } from './apt-changelog.js';
import { AptEnvironment, type AptEnvironmentOptions } from './apt-environment.js';
import { findInstSource, originOfSource, pickOrigin, resolveInstOrigin } from './apt-origins.js';
import { readReleaseFiles } from './apt-release-files.js';
import {
  DPKG_QUERY_FORMAT,
  isInstalled,
  parseDpkgQuery,
  parsePackagePolicies,
  parsePolicySources,
  parseSimulation,
  type DpkgRow,
  type PolicySource,
} from './apt-parse.js';

/** Output kept per operation (the tail when longer). */
const MAX_OUTPUT = 64 * 1024;

export type AptDriverOptions = AptEnvironmentOptions;

function fail(what: string, r: ExecResult): Error {
  return new Error(`${what} failed (exit ${r.code ?? r.signal ?? '?'}): ${(r.stderr.trim() || r.stdout.trim()).split('\n').slice(-5).join(' | ')}`);
}

function truncate(text: string): string {
  return text.length <= MAX_OUTPUT ? text : `[… ${text.length - MAX_OUTPUT} characters cut …]\n${text.slice(-MAX_OUTPUT)}`;
}

const spec = (name: string, arch: string, native: string) => (arch === '' || arch === 'all' || arch === native ? name : `${name}:${arch}`);

/**
 * The apt/dpkg driver: inventory from dpkg-query, pending updates from an `apt-get -s dist-upgrade`
 * simulation with origins from `apt-cache policy`, CVEs from the candidates' changelogs on
 * request, and exact-version installs that recover dpkg first and refuse removals.
 */
export class AptDriver implements PackageManagerDriver {
  readonly name = 'apt' as const;
  readonly root: string;
  readonly env: AptEnvironment;
  private nativeArch: string | null = null;

  constructor(options: AptDriverOptions) {
    this.env = new AptEnvironment(options);
    this.root = this.env.root;
  }

  /** dpkg's native architecture (`dpkg --print-architecture`). */
  async architecture(): Promise<string> {
    if (this.nativeArch !== null) return this.nativeArch;
    const r = await this.env.dpkg('dpkg', ['--print-architecture']);
    if (r.code !== 0) throw fail('dpkg --print-architecture', r);
    this.nativeArch = r.stdout.trim();
    return this.nativeArch;
  }

  /** Every package dpkg knows, with selection and status. */
  async dpkgRows(): Promise<DpkgRow[]> {
    const r = await this.env.dpkg('dpkg-query', ['-W', '-f', DPKG_QUERY_FORMAT]);
    // dpkg-query exits 1 on an empty database ("no packages found"): that is an empty list.
    if (r.code !== 0 && !(r.code === 1 && r.stdout === '')) throw fail('dpkg-query -W', r);
    return parseDpkgQuery(r.stdout);
  }

  async installedPackages(): Promise<InstalledPackage[]> {
    return (await this.dpkgRows()).filter(isInstalled).map(({ name, arch, version, sourceName, sourceVersion }) => ({ name, arch, version, sourceName, sourceVersion }));
  }

  /** apt's lists directory (`Dir::State::lists`) for this root. */
  private async listsDir(): Promise<string> {
    const r = await this.env.apt('apt-config', ['shell', 'L', 'Dir::State::lists/d']);
    const m = /^L='(.*)'$/m.exec(r.stdout);
    return m?.[1] ?? this.env.path('var/lib/apt/lists');
  }

  private async policySources(): Promise<PolicySource[]> {
    const r = await this.env.apt('apt-cache', ['policy']);
    if (r.code !== 0) throw fail('apt-cache policy', r);
    return parsePolicySources(r.stdout);
  }

  async pendingUpdates(options: ScanOptions = {}): Promise<PendingUpdate[]> {
    // The reads are independent: run them together (apt-get -s is the long one). Origins come from
    // the release files apt downloaded; `apt-cache policy` (a second cache load) only when a token
    // names none of them or packages were kept back.
    const [rows, simRun, listed, native] = await Promise.all([
      this.dpkgRows(),
      this.env.apt('apt-get', ['-s', '-q', '-o', 'Debug::NoLocking=1', 'dist-upgrade']),
      this.listsDir().then(readReleaseFiles),
      this.architecture(),
    ]);
    if (simRun.code !== 0) throw fail('apt-get -s dist-upgrade', simRun);
    const sim = parseSimulation(simRun.stdout);
    const unresolved = sim.installs.some((i) => i.installedVersion !== null && i.origins.some((o) => findInstSource(o, listed) === undefined));
    const sources = unresolved || sim.keptBack.length > 0 ? await this.policySources() : listed;
    const installed = new Map<string, DpkgRow>();
    for (const row of rows) if (isInstalled(row)) installed.set(`${row.name}:${row.arch}`, row);
    const find = (name: string, arch: string) => installed.get(`${name}:${arch}`) ?? installed.get(`${name}:all`) ?? installed.get(`${name}:${native}`);

    const updates: PendingUpdate[] = [];
    const make = (row: DpkgRow, candidate: string, origins: UpdateOrigin[]): PendingUpdate => {
      const { origin, security } = pickOrigin(origins);
      return {
        name: row.name,
        arch: row.arch,
        installedVersion: row.version,
        candidateVersion: candidate,
        security,
        origin,
        classification: security ? 'security' : 'other',
        severity: 'unknown',
        section: row.section,
        priority: row.priority,
        advisoryIds: [],
        cves: [],
        releaseDate: null,
      };
    };
    // Upgrades of installed packages; new packages pulled in as dependencies are not updates.
    for (const inst of sim.installs) {
      if (inst.installedVersion === null) continue;
      const row = find(inst.name, inst.qualifier || inst.arch);
      if (row === undefined) continue;
      updates.push(make(row, inst.candidateVersion, inst.origins.map((o) => resolveInstOrigin(o, sources))));
    }
    // Kept back (held, or needing removals): still pending, like `apt list --upgradable` shows them.
    if (sim.keptBack.length > 0) {
      const r = await this.env.apt('apt-cache', ['policy', ...sim.keptBack]);
      if (r.code !== 0) throw fail('apt-cache policy', r);
      const bySource = new Map(sources.map((s) => [s.source, s]));
      for (const p of parsePackagePolicies(r.stdout)) {
        const [name = '', qualifier = ''] = p.spec.split(':');
        const row = find(name, qualifier || native);
        if (row === undefined || p.candidate === null || p.candidate === row.version) continue;
        const cand = p.versions.find((v) => v.version === p.candidate);
        const origins = (cand?.sources ?? []).filter((s) => !s.endsWith('/dpkg/status')).map((s) => originOfSource(bySource.get(s), s));
        updates.push(make(row, p.candidate, origins));
      }
    }
    updates.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.arch < b.arch ? -1 : 1));
    if (options.cves === true) await this.addCves(updates);
    else if (options.cves === 'security') await this.addCves(updates.filter((u) => u.security));
    return updates;
  }

  /** `apt-get update` on this root (isolated like every other call). */
  async refreshMetadata(): Promise<{ ok: boolean; output: string }> {
    const r = await this.env.apt('apt-get', ['update', '-q']);
    return { ok: r.code === 0, output: `${r.stdout}${r.stderr}`.trim().slice(-4000) };
  }

  /** The agent's CVE cache directory for this root. */
  get cacheDir(): string {
    return join(this.env.stateDir, 'changelogs');
  }

  private async addCves(updates: PendingUpdate[]): Promise<void> {
    await mkdir(this.cacheDir, { recursive: true });
    let next = 0;
    const worker = async () => {
      while (next < updates.length) {
        const u = updates[next++];
        if (u === undefined) break;
        const entries = await changelogEntries(this.env, this.cacheDir, u.name, u.candidateVersion, u.arch);
        u.cves = cvesSince(entries, u.installedVersion, u.candidateVersion);
      }
    };
    await Promise.all([worker(), worker()]);
  }

  /** dpkg's audit says packages are half-installed/unconfigured, or dpkg's journal has entries. */
  private async interrupted(): Promise<string> {
    const audit = await this.env.dpkg('dpkg', ['--audit']);
    let updates: string[] = [];
    try {
      updates = (await readdir(this.env.path('var/lib/dpkg/updates'))).filter((f) => /^\d+$/.test(f));
    } catch {
      // no journal directory
    }
    return `${audit.stdout.trim()}${updates.length > 0 ? `\n${updates.length} journal entr(y/ies) in var/lib/dpkg/updates` : ''}`.trim();
  }

  async install(items: readonly InstallItem[], options: InstallOptions = {}): Promise<InstallResult> {
    let output = '';
    const log = (r: ExecResult) => {
      output += `$ ${r.command}\n${r.stdout}${r.stderr}`;
    };
    const lockTimeout = String(options.lockTimeoutSeconds ?? 300);
    const onLine = options.onOutput === undefined ? undefined : (line: string) => options.onOutput?.(line);
    const native = await this.architecture();
    const outcomes = new Map<string, InstallOutcome>();
    const key = (name: string, arch: string) => `${name}:${arch}`;
    const itemArch = (i: InstallItem) => i.arch ?? '';

    // 1. Recover an interrupted dpkg run first.
    const problem = await this.interrupted();
    if (problem !== '') {
      output += `dpkg was interrupted; recovering:\n${problem}\n`;
      const r = await this.env.dpkg('dpkg', ['--force-confdef', '--force-confold', '--configure', '-a'], { ...(onLine && { onLine }) });
      log(r);
      const still = await this.interrupted();
      if (still !== '') {
        return this.refuse(items, 'broken-state', `dpkg --configure -a did not recover the package database: ${still}`, [], output);
      }
    }

    // 2. What is installed already, what is held.
    const rows = await this.dpkgRows();
    const rowOf = (name: string, arch: string) =>
      rows.find((r) => r.name === name && (arch === '' ? r.arch === native || r.arch === 'all' : r.arch === arch));
    const todo: InstallItem[] = [];
    for (const item of items) {
      const row = rowOf(item.name, itemArch(item));
      const base = { name: item.name, arch: row?.arch ?? (item.arch ?? native), requestedVersion: item.version };
      if (row !== undefined && isInstalled(row) && compareDeb(row.version, item.version) >= 0) {
        outcomes.set(key(item.name, itemArch(item)), { ...base, installedVersion: row.version, state: 'already-installed' });
      } else if (row?.selection === 'hold') {
        outcomes.set(key(item.name, itemArch(item)), {
          ...base,
          installedVersion: isInstalled(row) ? row.version : null,
          state: 'failed',
          message: `${item.name} is held (apt-mark hold); held packages are not changed — run apt-mark unhold ${item.name} to allow patching it`,
        });
      } else todo.push(item);
    }

    // 3. Simulate; drop versions apt does not know, refuse removals.
    let remaining = todo;
    for (let attempt = 0; attempt < 3 && remaining.length > 0; attempt++) {
      const specs = remaining.map((i) => `${spec(i.name, itemArch(i), native)}=${i.version}`);
      const sim = await this.env.apt('apt-get', ['-s', '-q', '-o', 'Debug::NoLocking=1', 'install', ...specs]);
      if (sim.code === 0) {
        const removals = parseSimulation(sim.stdout).removals;
        if (removals.length > 0) {
          log(sim);
          return this.refuse(items, 'would-remove', `installing these versions would remove: ${removals.join(', ')}`, removals, output, outcomes);
        }
        break;
      }
      const missing = new Set<string>();
      for (const m of sim.stderr.matchAll(/^E: (?:Version '[^']*' for '([^']+)' was not found|Unable to locate package (\S+))/gm)) missing.add((m[1] ?? m[2] ?? '').split(':')[0] ?? '');
      if (missing.size === 0) {
        log(sim);
        return this.refuse(items, 'unresolvable', `apt cannot resolve the transaction: ${sim.stderr.trim().split('\n').slice(-3).join(' | ')}`, [], output, outcomes);
      }
      for (const i of remaining.filter((x) => missing.has(x.name))) {
        const row = rowOf(i.name, itemArch(i));
        outcomes.set(key(i.name, itemArch(i)), {
          name: i.name,
          arch: row?.arch ?? (i.arch ?? native),
          requestedVersion: i.version,
          installedVersion: row !== undefined && isInstalled(row) ? row.version : null,
          state: 'not-available',
          message: `version ${i.version} of ${i.name} is not in any configured repository`,
        });
      }
      remaining = remaining.filter((x) => !missing.has(x.name));
    }

    // 4. Install.
    if (remaining.length > 0) {
      const specs = remaining.map((i) => `${spec(i.name, itemArch(i), native)}=${i.version}`);
      const r = await this.env.apt(
        'apt-get',
        ['-y', '-q', 'install', '--no-remove', '-o', `DPkg::Lock::Timeout=${lockTimeout}`, '-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold', ...specs],
        { ...(onLine && { onLine }), timeoutMs: 3_600_000 },
      );
      log(r);
      if (r.code !== 0 && /Could not get lock|Unable to acquire the dpkg (frontend )?lock/.test(`${r.stdout}\n${r.stderr}`)) {
        return this.refuse(items, 'lock-timeout', `the package manager lock stayed held for ${lockTimeout} s`, [], output, outcomes);
      }
    }

    // 5. The truth: dpkg's status after the run.
    const after = await this.dpkgRows();
    for (const i of remaining) {
      const row = after.find((r) => r.name === i.name && (itemArch(i) === '' ? r.arch === native || r.arch === 'all' : r.arch === itemArch(i)));
      const now = row !== undefined && isInstalled(row) ? row.version : null;
      outcomes.set(key(i.name, itemArch(i)), {
        name: i.name,
        arch: row?.arch ?? (i.arch ?? native),
        requestedVersion: i.version,
        installedVersion: now,
        state: now === i.version ? 'installed' : 'failed',
        ...(now !== i.version && { message: row === undefined ? 'not installed after the run' : `dpkg status after the run: ${row.status} ${row.version}` }),
      });
    }
    const list = items.map((i) => outcomes.get(key(i.name, itemArch(i)))).filter((o): o is InstallOutcome => o !== undefined);
    // On the host a newer kernel than the running one also asks for a reboot; a root runs no kernel.
    const kernels = this.env.host ? installedKernels(after.filter(isInstalled), 'apt') : [];
    const reboot = await rebootStatus({ root: this.root, packageManager: 'apt', runningKernel: this.env.host ? release() : null, installedKernels: kernels });
    return { ok: list.every((o) => o.state === 'installed' || o.state === 'already-installed'), outcomes: list, output: truncate(output), rebootRequired: reboot.required };
  }

  private async refuse(
    items: readonly InstallItem[],
    reason: NonNullable<InstallResult['refused']>['reason'],
    detail: string,
    packages: string[],
    output: string,
    known: Map<string, InstallOutcome> = new Map(),
  ): Promise<InstallResult> {
    const [rows, native] = await Promise.all([this.dpkgRows().catch(() => []), this.architecture()]);
    const outcomes = items.map((i): InstallOutcome => {
      const done = known.get(`${i.name}:${i.arch ?? ''}`);
      if (done !== undefined) return done;
      const row = rows.find((r) => r.name === i.name && (i.arch === undefined ? r.arch === native || r.arch === 'all' : r.arch === i.arch));
      return {
        name: i.name,
        arch: row?.arch ?? (i.arch ?? native),
        requestedVersion: i.version,
        installedVersion: row !== undefined && isInstalled(row) ? row.version : null,
        state: 'not-attempted',
        message: detail,
      };
    });
    return { ok: false, refused: { reason, detail, packages }, outcomes, output: truncate(output), rebootRequired: false };
  }
}

/** Creates the apt driver for a root (`/` for the host). */
export function createAptDriver(options: AptDriverOptions): AptDriver {
  return new AptDriver(options);
}
