import { release } from 'node:os';
import { join, resolve } from 'node:path';
import { AppError } from '../../../domain/errors.js';
import { PendingUpdate, type InstalledPackage } from '../../../contracts/inventory.contract.js';
import { compareEvr, parseEvr } from '../../../versioning/index.js';
import type { ExecResult } from '../../exec.js';
import type { InstallItem, InstallOptions, InstallOutcome, InstallResult, PackageManagerDriver } from '../driver.js';
import { DnfRunner, type DnfRunnerOptions } from './dnf-runner.js';
import {
  clearRootRebootMarker,
  hostBootTime,
  hostRebootSignal,
  readRootRebootMarker,
  REBOOT_PACKAGES,
  writeRootRebootMarker,
  type RebootSignal,
} from './reboot.js';
import { parseRpmQuery, RPM_QUERY_FORMAT } from './rpm-packages.js';
import { parseDuplicates, parseTransaction } from './transaction.js';
import { classify, parseUpdateinfoInfo, parseUpdateinfoList, type Advisory, type AdvisoryPackage } from './updateinfo.js';
import { lockMatches, readVersionlocks, type VersionLock } from './versionlock.js';
import { parseRepoSites, parseUpgrades, REPOQUERY_FORMAT } from './upgrades.js';

export interface DnfDriverOptions extends Omit<DnfRunnerOptions, 'stateDir'> {
  /** The agent's state directory: the driver keeps its state (isolated HOME, fallback config, reboot marker) in STATEDIR/dnf; default ROOT/var/lib/patchwarden/dnf. */
  stateDir?: string;
  /** `uname -r` of the running kernel (host only); default os.release(). */
  runningKernel?: string;
  /** How long a scan waits for another dnf holding its metadata lock (seconds, default 120). */
  scanLockTimeoutSeconds?: number;
}

export interface DnfDriver extends PackageManagerDriver {
  /** The reboot signals dnf-side: needs-restarting's rule (host) or the driver's marker (root). */
  rebootRequired(): Promise<RebootSignal>;
  /** The same as signals for the inventory's rebootStatus (`extra`): one per reason. */
  rebootSignals(): Promise<{ reason: string; required: boolean }[]>;
  /** Forgets the marker of a root after whatever runs from it was restarted. */
  clearRebootRequired(): Promise<void>;
}

const OUTPUT_LIMIT = 64 * 1024;

function truncate(text: string): string {
  return text.length <= OUTPUT_LIMIT ? text : `${text.slice(0, OUTPUT_LIMIT / 2)}\n… (truncated) …\n${text.slice(-OUTPUT_LIMIT / 2)}`;
}

function failed(what: string, r: ExecResult): AppError {
  const detail = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-5).join('\n');
  return new AppError('unavailable', `${what} failed (exit ${String(r.code)}): ${detail}`, { details: { command: r.command } });
}

/** compareEvr that never throws: a version rpm printed but our parser refuses orders by plain text. */
function safeCompare(a: string, b: string): number {
  try {
    return compareEvr(a, b);
  } catch {
    return a < b ? -1 : a > b ? 1 : 0;
  }
}

function sameEvr(a: string, b: string): boolean {
  return safeCompare(a, b) === 0;
}

/** Creates the dnf/rpm driver for `/` or for a RHEL-family root (see README.md for the rules). */
export function createDnfDriver(options: DnfDriverOptions): DnfDriver {
  const root = resolve(options.root);
  const stateDir = options.stateDir === undefined ? join(root, 'var/lib/patchwarden/dnf') : join(resolve(options.stateDir), 'dnf');
  const runner = new DnfRunner({ ...options, root, stateDir });
  const locksFor = (): Promise<VersionLock[]> => readVersionlocks(root);
  const lockExcludes = (locks: readonly VersionLock[]): string[] => locks.map((l) => `--exclude=${l.name}`);

  async function installedPackages(): Promise<InstalledPackage[]> {
    const r = await runner.rpm(['-qa', '--qf', RPM_QUERY_FORMAT]);
    if (r.code !== 0) throw failed(`rpm -qa on ${root}`, r);
    return parseRpmQuery(r.stdout);
  }

  /** A read-only dnf call; waits while another dnf holds a lock (reads take the metadata lock too). */
  async function dnfRead(args: string[], cacheOnly: boolean, what: string): Promise<string> {
    const wait = options.scanLockTimeoutSeconds ?? 120;
    const { result: r, lockTimedOut } = await runner.dnfWaitingForLock(['-q', ...args], wait, { cacheOnly });
    if (lockTimedOut) throw new AppError('unavailable', `${what}: another dnf process held its lock for more than ${wait} s; try again when it has finished`);
    if (r.code !== 0) throw failed(what, r);
    return r.stdout;
  }

  async function pendingUpdates(): Promise<PendingUpdate[]> {
    const installed = await installedPackages();
    const excludes = lockExcludes(await locksFor());
    // The first call may refresh expired metadata; the others read the same cache (-C).
    const upgrades = parseUpgrades(await dnfRead(['repoquery', '--upgrades', ...excludes, '--qf', REPOQUERY_FORMAT], false, 'dnf repoquery --upgrades'));
    if (upgrades.length === 0) return [];
    const sites = parseRepoSites(await dnfRead(['repoinfo', '--enabled'], true, 'dnf repoinfo'));
    const advPackages = parseUpdateinfoList(await dnfRead(['updateinfo', 'list', '--available', ...excludes], true, 'dnf updateinfo list'));
    const advisories = parseUpdateinfoInfo(await dnfRead(['updateinfo', 'info', '--available', ...excludes], true, 'dnf updateinfo info'));
    const out: PendingUpdate[] = [];
    for (const u of upgrades) {
      const mine = installed.filter((p) => p.name === u.name && (p.arch === u.arch || p.arch === 'noarch' || u.arch === 'noarch'));
      const inst = mine.sort((a, b) => safeCompare(b.version, a.version))[0];
      if (inst === undefined) continue;
      const covering = coveringAdvisories(advPackages, advisories, u.name, u.arch, inst.version, u.evr);
      const c = classify(covering);
      out.push(
        PendingUpdate.parse({
          name: u.name,
          arch: u.arch,
          installedVersion: inst.version,
          candidateVersion: u.evr,
          security: c.security,
          origin: { label: u.repoId, suite: '', codename: '', origin: '', site: sites.get(u.repoId) ?? '' },
          classification: c.classification,
          severity: c.severity,
          section: u.group === '(none)' ? '' : u.group,
          priority: '',
          advisoryIds: c.advisoryIds,
          cves: c.cves,
          releaseDate: c.releaseDate,
        }),
      );
    }
    return out;
  }

  async function rebootRequired(): Promise<RebootSignal> {
    if (runner.isolated) return readRootRebootMarker(stateDir);
    const r = await runner.rpm(['-q', '--qf', '%{NAME} %{VERSION}-%{RELEASE}.%{ARCH} %{INSTALLTIME}\\n', ...REBOOT_PACKAGES]);
    return hostRebootSignal(r.stdout, await hostBootTime(), options.runningKernel ?? release());
  }

  async function install(items: readonly InstallItem[], opts: InstallOptions = {}): Promise<InstallResult> {
    const log: string[] = [];
    const say = (line: string) => {
      log.push(line);
      opts.onOutput?.(line);
    };
    // An interrupted rpm transaction leaves two versions of one package in the database (what
    // `dpkg --configure -a` is to apt); refuse until someone cleans it up, never guess.
    const check = await runner.dnf(['-q', '--disablerepo=*', 'check', '--duplicates'], { cacheOnly: true });
    const duplicates = check.code === 0 ? [] : parseDuplicates(`${check.stdout}\n${check.stderr}`);
    const before = await installedPackages();
    const locks = await locksFor();
    const outcomes: InstallOutcome[] = [];
    const todo: { item: InstallItem; outcome: InstallOutcome; spec: string }[] = [];
    for (const item of items) {
      const version = item.version.replace(/^0:/, '');
      const outcome: InstallOutcome = { name: item.name, arch: item.arch ?? '', requestedVersion: item.version, installedVersion: null, state: 'not-attempted' };
      outcomes.push(outcome);
      const have = before.filter((p) => p.name === item.name && (item.arch === undefined || p.arch === item.arch));
      const newest = have.sort((a, b) => safeCompare(b.version, a.version))[0];
      outcome.installedVersion = newest?.version ?? null;
      if (newest !== undefined && outcome.arch === '') outcome.arch = newest.arch;
      let evr;
      try {
        evr = parseEvr(version);
      } catch {
        evr = undefined;
      }
      if (evr?.release === undefined) {
        outcome.state = 'not-available';
        outcome.message = `"${item.version}" is not a full rpm version ([epoch:]version-release)`;
        continue;
      }
      if (have.some((p) => sameEvr(p.version, version)) || (newest !== undefined && safeCompare(newest.version, version) > 0)) {
        outcome.state = 'already-installed';
        continue;
      }
      if (locks.some((l) => lockMatches(l, item.name))) {
        outcome.state = 'not-available';
        outcome.message = 'held by the versionlock list; remove the lock to update it';
        continue;
      }
      todo.push({ item, outcome, spec: `${item.name}-${version}${item.arch === undefined ? '' : `.${item.arch}`}` });
    }
    const finish = (extra: Partial<InstallResult> = {}): InstallResult => ({
      ok: outcomes.every((o) => o.state === 'installed' || o.state === 'already-installed'),
      outcomes,
      output: truncate(log.join('\n')),
      rebootRequired: false,
      ...extra,
    });
    if (duplicates.length > 0) {
      for (const l of check.stdout.split('\n')) if (l !== '') say(l);
      for (const t of todo) t.outcome.state = 'not-attempted';
      return finish({
        refused: {
          reason: 'broken-state',
          detail: `an interrupted transaction left duplicate packages (${duplicates.join(', ')}); check with \`dnf check --duplicates\` and clean up with \`dnf remove --duplicates\``,
          packages: duplicates,
        },
      });
    }

    // Simulate first (with --allowerasing so that conflicts show as removals), dropping arguments
    // dnf has no package for; refuse anything that would remove a package.
    const lockTimeout = opts.lockTimeoutSeconds ?? 300;
    const deadline = Date.now() + lockTimeout * 1000;
    const remaining = () => Math.max(0, (deadline - Date.now()) / 1000);
    const lockRefusal = { reason: 'lock-timeout' as const, detail: `another dnf held its lock for more than ${lockTimeout} s`, packages: [] };
    let pending = todo;
    let simulated = false;
    for (let pass = 0; pass < 3 && pending.length > 0; pass++) {
      const simArgs = ['install', '--assumeno', '--allowerasing', '--setopt=strict=True', ...lockExcludes(locks), ...pending.map((t) => t.spec)];
      const { result: sim, lockTimedOut: simLocked } = await runner.dnfWaitingForLock(simArgs, remaining());
      if (simLocked) return finish({ refused: lockRefusal });
      for (const l of `${sim.stdout}\n${sim.stderr}`.split('\n')) if (l !== '') say(l);
      const tx = parseTransaction(`${sim.stdout}\n${sim.stderr}`);
      const missing = new Set([...tx.noMatch, ...tx.excluded]);
      if (missing.size > 0) {
        for (const t of pending) {
          if (!missing.has(t.spec)) continue;
          t.outcome.state = 'not-available';
          t.outcome.message = tx.excluded.includes(t.spec)
            ? 'excluded by the dnf configuration (excludepkgs); remove the exclude to install it'
            : 'no configured repository has this version';
        }
        pending = pending.filter((t) => !missing.has(t.spec));
        continue;
      }
      if (tx.removed.length > 0) {
        return finish({
          refused: { reason: 'would-remove', detail: `the transaction would remove: ${tx.removed.join(', ')}`, packages: tx.removed },
        });
      }
      if (!/Operation aborted|Nothing to do/.test(`${sim.stdout}\n${sim.stderr}`)) {
        const detail = (sim.stderr.trim() || sim.stdout.trim()).split('\n').slice(-5).join('\n');
        return finish({ refused: { reason: 'unresolvable', detail, packages: pending.map((t) => t.item.name) } });
      }
      simulated = true;
      break;
    }
    if (pending.length === 0) return finish();
    if (!simulated) {
      return finish({ refused: { reason: 'unresolvable', detail: 'dnf kept reporting arguments it has no package for', packages: pending.map((t) => t.item.name) } });
    }

    const { result, lockTimedOut } = await runner.dnfWaitingForLock(
      ['install', '-y', '--setopt=strict=True', ...lockExcludes(locks), ...pending.map((t) => t.spec)],
      remaining(),
      // The same metadata the simulation read (-C): the transaction run is the one simulated.
      { onLine: say, cacheOnly: true },
    );
    if (lockTimedOut) return finish({ refused: lockRefusal });

    // The truth is the rpm database afterwards, whatever dnf's exit code said.
    const after = await installedPackages();
    for (const t of pending) {
      const now = after.filter((p) => p.name === t.item.name && (t.item.arch === undefined || p.arch === t.item.arch));
      const at = now.find((p) => sameEvr(p.version, t.item.version.replace(/^0:/, '')));
      t.outcome.installedVersion = at?.version ?? now.sort((a, b) => safeCompare(b.version, a.version))[0]?.version ?? null;
      if (at !== undefined) {
        t.outcome.state = 'installed';
        if (t.outcome.arch === '') t.outcome.arch = at.arch;
      } else {
        t.outcome.state = 'failed';
        t.outcome.message = `dnf exited with ${String(result.code)}: ${(result.stderr.trim() || 'see the output').split('\n').slice(-3).join(' ')}`;
      }
    }
    const key = (p: InstalledPackage) => `${p.name}.${p.arch}-${p.version}`;
    const beforeKeys = new Set(before.map(key));
    const changed = [...new Set(after.filter((p) => !beforeKeys.has(key(p))).map((p) => p.name))];
    const rebootClass = changed.filter((n) => REBOOT_PACKAGES.includes(n));
    if (runner.isolated && rebootClass.length > 0) await writeRootRebootMarker(stateDir, rebootClass);
    return finish({ rebootRequired: (await rebootRequired()).required });
  }

  return {
    name: 'dnf',
    root,
    installedPackages,
    pendingUpdates,
    install,
    rebootRequired,
    rebootSignals: async () => (await rebootRequired()).reasons.map((reason) => ({ reason, required: true })),
    clearRebootRequired: () => clearRootRebootMarker(stateDir),
  };
}

/** Advisories listing this name and arch at a version newer than `installed` and not newer than `candidate`. */
function coveringAdvisories(
  packages: readonly AdvisoryPackage[],
  advisories: ReadonlyMap<string, Advisory>,
  name: string,
  arch: string,
  installed: string,
  candidate: string,
): Advisory[] {
  const out = new Map<string, Advisory>();
  for (const p of packages) {
    if (p.name !== name || (p.arch !== arch && p.arch !== 'noarch' && arch !== 'noarch')) continue;
    if (!(safeCompare(p.evr, installed) > 0 && safeCompare(p.evr, candidate) <= 0)) continue;
    const a = advisories.get(p.advisoryId);
    if (a !== undefined) out.set(a.id, a);
  }
  return [...out.values()];
}
