import { createHash } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execFile, type ExecOptions, type ExecResult } from '../../exec.js';

export interface AptEnvironmentOptions {
  /** The root managed; `/` is the host. */
  root: string;
  /** Agent state directory (the generated apt configuration and caches live under it). */
  stateDir?: string;
  /**
   * Run maintainer scripts without chroot (`--force-script-chrootless`, scripts see `DPKG_ROOT`).
   * Only for synthetic packages whose scripts honour DPKG_ROOT (tests); never for distribution packages.
   */
  scriptChrootless?: boolean;
}

const quote = (s: string) => `"${s.replace(/["\\]/g, '')}"`;

/**
 * How apt and dpkg are run for one root. For the host: plain commands. For another root: an
 * APT_CONFIG file outside the root sets `Dir` to the root (so none of the host's apt.conf.d is
 * read), points the config parts at an empty directory of the agent's own (so no hook of the root,
 * such as DPkg::Post-Invoke, runs on the host) and gives dpkg `--root` and `--log` inside the root;
 * dpkg and dpkg-query get the same options directly.
 */
export class AptEnvironment {
  readonly root: string;
  readonly host: boolean;
  readonly stateDir: string;
  /** The generated APT_CONFIG file, written once (concurrent callers share the promise). */
  private aptConfig: Promise<string> | null = null;

  constructor(readonly options: AptEnvironmentOptions) {
    this.root = resolve(options.root);
    this.host = this.root === '/';
    const key = createHash('sha256').update(this.root).digest('hex').slice(0, 16);
    this.stateDir = resolve(options.stateDir ?? join(tmpdir(), 'patchwarden-agent'), `apt-${key}`);
  }

  /** The path of a file inside the root. */
  path(rel: string): string {
    return join(this.root, rel);
  }

  /** dpkg options for this root (also what apt passes to dpkg). */
  dpkgOptions(): string[] {
    if (this.host) return [];
    const opts = [`--root=${this.root}`, `--log=${this.path('var/log/dpkg.log')}`];
    if (this.options.scriptChrootless === true) opts.push('--force-script-chrootless');
    return opts;
  }

  private async ensureConfig(): Promise<string | null> {
    if (this.host) return null;
    // One write shared by concurrent callers: an apt process must never read a half-written file
    // (it would then fall back to the host's configuration and work on /).
    this.aptConfig ??= this.writeConfig().catch((err: unknown) => {
      this.aptConfig = null;
      throw err;
    });
    return this.aptConfig;
  }

  private async writeConfig(): Promise<string> {
    const parts = join(this.stateDir, 'apt.conf.d');
    await mkdir(parts, { recursive: true });
    const file = join(this.stateDir, 'apt.conf');
    const lines = [
      `Dir ${quote(`${this.root}/`)};`,
      `Dir::Etc::main ${quote(join(this.stateDir, 'no-main.conf'))};`,
      `Dir::Etc::parts ${quote(parts)};`,
      `DPkg::Options { ${this.dpkgOptions().map(quote).join('; ')}; };`,
      'Acquire::Languages "none";',
      'APT::Install-Recommends "false";',
      'Dpkg::Use-Pty "0";',
      'APT::Color "0";',
    ];
    // Written aside and renamed, so another process reading it sees the old or the new file whole.
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, `${lines.join('\n')}\n`);
    await rename(tmp, file);
    return file;
  }

  /** Runs an apt program (apt-get, apt-cache, apt-mark) on this root. */
  async apt(program: string, args: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const config = await this.ensureConfig();
    const env: Record<string, string | undefined> = { DEBIAN_FRONTEND: 'noninteractive', APT_LISTCHANGES_FRONTEND: 'none', ...options.env };
    // On the host the process's own APT_CONFIG, if any, stays in force.
    if (config !== null) env.APT_CONFIG = config;
    return execFile(program, args, { ...options, env });
  }

  /** Runs dpkg (or dpkg-query, with `--admindir`) on this root. */
  dpkg(program: 'dpkg' | 'dpkg-query', args: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const pre = this.host ? [] : program === 'dpkg-query' ? [`--admindir=${this.path('var/lib/dpkg')}`] : this.dpkgOptions();
    return execFile(program, [...pre, ...args], { ...options, env: { DEBIAN_FRONTEND: 'noninteractive', ...options.env } });
  }
}
