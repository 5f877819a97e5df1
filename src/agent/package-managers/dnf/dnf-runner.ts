import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { execFile, type ExecResult } from '../../exec.js';

/** dnf's exit code when another process holds one of its locks and `exit_on_lock` is set. */
export const DNF_LOCKED_EXIT = 200;

export interface DnfRunnerOptions {
  /** The root managed; `/` means the host with the system's own configuration. */
  root: string;
  /** Where the driver keeps its HOME (.rpmmacros), fallback config and markers. */
  stateDir: string;
  /** dnf main config; default ROOT/etc/dnf/dnf.conf (a minimal one in stateDir when the root has none). */
  configFile?: string;
  /** Repository definitions; default ROOT/etc/yum.repos.d. */
  reposDir?: string;
  /** `--releasever`; default: dnf detects it from the root's release package. */
  releasever?: string;
  /** Load dnf plugins (default: false for a root, true on `/`). */
  plugins?: boolean;
  /**
   * Metadata older than this is fetched again by the first dnf call of a scan or install (every
   * repository's metadata_expire is overridden; default 3600; 0 = `--refresh`, always). The calls after it read the same
   * cache with `-C`, so one operation sees one snapshot of the repositories.
   */
  metadataExpireSeconds?: number;
  dnfPath?: string;
  rpmPath?: string;
  /** Extra `--setopt` values (e.g. `excludepkgs=foo`), mainly for tests. */
  setopts?: readonly string[];
}

/**
 * Builds and runs dnf and rpm command lines for one root. For a root other than `/` everything is
 * isolated (pitfalls R1, R4, R5 of the testing reference): HOME is the driver's own directory whose
 * `.rpmmacros` sets `%_dbpath /var/lib/rpm` (Debian's rpm would otherwise use `~/.rpmdb`), dnf gets
 * `--installroot`, `--config` and `reposdir` inside the root, `pluginconfpath` inside the state
 * directory and `--noplugins`; rpm gets `--root` and `--dbpath`. On `/` the system defaults apply.
 */
export class DnfRunner {
  readonly root: string;
  readonly isolated: boolean;
  private readonly o: DnfRunnerOptions;
  private prepared: Promise<void> | undefined;
  private configFile = '';

  constructor(options: DnfRunnerOptions) {
    this.o = options;
    this.root = resolve(options.root);
    this.isolated = this.root !== '/';
  }

  get homeDir(): string {
    return join(this.o.stateDir, 'home');
  }

  /** Creates the isolated HOME (and a fallback dnf.conf when the root has none), once. */
  prepare(): Promise<void> {
    this.prepared ??= (async () => {
      if (!this.isolated) return;
      await mkdir(this.homeDir, { recursive: true, mode: 0o700 });
      await writeFile(join(this.homeDir, '.rpmmacros'), '%_dbpath /var/lib/rpm\n');
      await mkdir(join(this.o.stateDir, 'plugins'), { recursive: true });
      const wanted = this.o.configFile ?? join(this.root, 'etc/dnf/dnf.conf');
      if (this.o.configFile !== undefined || existsSync(wanted)) {
        this.configFile = wanted;
      } else {
        this.configFile = join(this.o.stateDir, 'dnf.conf');
        await writeFile(this.configFile, '[main]\n');
      }
    })();
    return this.prepared;
  }

  /** HOME for the isolated rpm macros; TZ=UTC so dnf prints advisory dates in UTC. */
  private env(): Record<string, string> {
    return this.isolated ? { HOME: this.homeDir, TZ: 'UTC' } : { TZ: 'UTC' };
  }

  /** The common dnf arguments; `cacheOnly` adds `-C` (read the metadata the previous call fetched). */
  dnfArgs(cacheOnly: boolean): string[] {
    const args: string[] = [];
    if (this.isolated) {
      args.push(
        `--installroot=${this.root}`,
        `--config=${this.configFile}`,
        `--setopt=reposdir=${this.o.reposDir ?? join(this.root, 'etc/yum.repos.d')}`,
        `--setopt=pluginconfpath=${join(this.o.stateDir, 'plugins')}`,
      );
    }
    if (this.o.plugins === false || (this.o.plugins === undefined && this.isolated)) args.push('--noplugins');
    if (this.o.releasever !== undefined) args.push(`--releasever=${this.o.releasever}`);
    // Never wait forever for another dnf: fail with rc 200 and let the caller decide (see runDnf).
    args.push('--setopt=exit_on_lock=True', '--setopt=color=never');
    if (cacheOnly) args.push('-C');
    else if (this.o.metadataExpireSeconds === 0) args.push('--refresh'); // dnf's age check is `age > expire` in whole seconds
    else args.push(`--setopt=*.metadata_expire=${this.o.metadataExpireSeconds ?? 3600}`);
    for (const s of this.o.setopts ?? []) args.push(`--setopt=${s}`);
    return args;
  }

  /** Runs dnf with the isolation arguments, then `args`. */
  async dnf(args: readonly string[], opts: { cacheOnly?: boolean; onLine?: (line: string) => void; timeoutMs?: number } = {}): Promise<ExecResult> {
    await this.prepare();
    return execFile(this.o.dnfPath ?? 'dnf', [...this.dnfArgs(opts.cacheOnly ?? false), ...args], {
      env: this.env(),
      ...(opts.onLine === undefined ? {} : { onLine: opts.onLine }),
      ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }),
    });
  }

  /**
   * Runs dnf and, while it exits with 200 (another process holds a dnf lock), retries every
   * `pollMs` until `lockTimeoutSeconds` have passed. dnf has no lock timeout of its own: by
   * default it waits forever, so the runner sets `exit_on_lock` and waits here instead.
   */
  async dnfWaitingForLock(
    args: readonly string[],
    lockTimeoutSeconds: number,
    opts: { onLine?: (line: string) => void; pollMs?: number; cacheOnly?: boolean } = {},
  ): Promise<{ result: ExecResult; lockTimedOut: boolean }> {
    const deadline = Date.now() + lockTimeoutSeconds * 1000;
    for (;;) {
      const result = await this.dnf(args, { cacheOnly: opts.cacheOnly ?? false, ...(opts.onLine === undefined ? {} : { onLine: opts.onLine }) });
      if (result.code !== DNF_LOCKED_EXIT) return { result, lockTimedOut: false };
      if (Date.now() >= deadline) return { result, lockTimedOut: true };
      await new Promise((r) => setTimeout(r, Math.min(opts.pollMs ?? 1000, Math.max(50, deadline - Date.now()))));
    }
  }

  /** Runs rpm on the root's own database (`--root ROOT --dbpath /var/lib/rpm` when isolated). */
  async rpm(args: readonly string[]): Promise<ExecResult> {
    await this.prepare();
    const base = this.isolated ? ['--root', this.root, '--dbpath', '/var/lib/rpm'] : [];
    return execFile(this.o.rpmPath ?? 'rpm', [...base, ...args], { env: this.env() });
  }
}
