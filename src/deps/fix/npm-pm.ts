/**
 * The package managers of the npm ecosystem as the fix engine runs them: npm (the one on PATH),
 * yarn classic, yarn Berry and pnpm (through corepack, at the version the `packageManager` field
 * names, else one that writes the lockfile's format). Lockfiles are only ever written by them:
 *   npm     npm install --package-lock-only --ignore-scripts --no-audit --no-fund [--lockfile-version N]
 *   yarn 1  yarn install --ignore-scripts --ignore-engines --non-interactive (into a throw-away modules folder)
 *   Berry   yarn install --mode=update-lockfile; `yarn set resolution <descriptor> npm:<version>` to pin
 *   pnpm    pnpm install --lockfile-only --ignore-scripts --no-frozen-lockfile
 * Scripts never run (flags, and YARN_ENABLE_SCRIPTS=false for Berry). What a run leaves besides the
 * lockfile (node_modules, .pnp.cjs, .yarn/install-state.gz, ...) is removed unless it was there before.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { AppError } from '../../domain/errors.js';
import type { LockfileKind } from '../lockfiles/index.js';

export type PmKind = 'npm' | 'yarn-classic' | 'yarn-berry' | 'pnpm';

export interface PackageManager {
  readonly kind: PmKind;
  /** `npm`, or `yarn@4.9.1` / `pnpm@9.15.9` as run through corepack. */
  readonly label: string;
  readonly command: string;
  readonly prefix: readonly string[];
  /** npm: the lockfileVersion to keep. */
  readonly lockfileVersion: number | null;
}

export interface RunOptions {
  readonly registry: string | null;
  readonly env: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal | undefined;
  readonly onProgress?: ((line: string) => void) | undefined;
}

const TIMEOUT_MS = 10 * 60_000;

/** Fallback versions per lockfile format when `packageManager` names none (each writes that format). */
function berryFallback(metadataVersion: number): string {
  if (metadataVersion >= 8) return '4.9.1';
  if (metadataVersion >= 6) return '3.8.7';
  return '2.4.3';
}
function pnpmFallback(lockfileVersion: number): string {
  if (lockfileVersion >= 9) return '9.15.9';
  if (lockfileVersion >= 6) return '8.15.9';
  if (lockfileVersion >= 5.4) return '7.33.7';
  return '6.35.1';
}

/** The `packageManager` field (`pnpm@9.15.9+sha512...`) as name and version, when set. */
function declaredManager(manifestText: string | null): { name: string; version: string } | null {
  if (manifestText === null) return null;
  try {
    const pm = (JSON.parse(manifestText) as { packageManager?: unknown }).packageManager;
    const m = typeof pm === 'string' ? /^(npm|yarn|pnpm)@(\d[^+\s]*)/.exec(pm) : null;
    return m ? { name: m[1]!, version: m[2]! } : null;
  } catch {
    return null;
  }
}

const corepack = (tool: string, version: string, kind: PmKind): PackageManager => ({ kind, label: `${tool}@${version}`, command: 'corepack', prefix: [`${tool}@${version}`], lockfileVersion: null });

/** The package manager (and version) that wrote this lockfile. */
export function detectPackageManager(kind: LockfileKind, lockText: string, rootManifestText: string | null): PackageManager {
  const declared = declaredManager(rootManifestText);
  switch (kind) {
    case 'npm-package-lock':
    case 'npm-shrinkwrap': {
      let version: number | null = null;
      try {
        const v = (JSON.parse(lockText) as { lockfileVersion?: unknown }).lockfileVersion;
        version = typeof v === 'number' ? v : 1;
      } catch {
        version = null;
      }
      return { kind: 'npm', label: 'npm', command: 'npm', prefix: [], lockfileVersion: version };
    }
    case 'yarn-classic':
    case 'yarn-berry': {
      // The declared yarn only when it writes this lockfile's format (yarn 2+ would convert a classic lockfile, and back).
      const berry = /^__metadata:/m.test(lockText);
      if (declared?.name === 'yarn' && declared.version.startsWith('1.') !== berry) return corepack('yarn', declared.version, berry ? 'yarn-berry' : 'yarn-classic');
      if (!berry) return corepack('yarn', '1.22.22', 'yarn-classic');
      const m = /^ {2}version: ["']?(\d+)/m.exec(lockText);
      return corepack('yarn', berryFallback(m ? Number(m[1]) : 8), 'yarn-berry');
    }
    case 'pnpm': {
      if (declared?.name === 'pnpm') return corepack('pnpm', declared.version, 'pnpm');
      const m = /^lockfileVersion: ["']?([\d.]+)/m.exec(lockText);
      return corepack('pnpm', pnpmFallback(m ? Number.parseFloat(m[1]!) : 9), 'pnpm');
    }
    default:
      throw new AppError('internal', `${kind} is not a lockfile of the npm ecosystem`);
  }
}

function pmEnv(pm: PackageManager, options: RunOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    COREPACK_ENABLE_DOWNLOAD_PROMPT: '0',
    YARN_ENABLE_IMMUTABLE_INSTALLS: 'false',
    YARN_ENABLE_SCRIPTS: 'false',
    YARN_ENABLE_TELEMETRY: '0',
    YARN_ENABLE_PROGRESS_BARS: 'false',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    ...options.env,
  };
  if (options.registry !== null) {
    env.npm_config_registry = options.registry;
    if (pm.kind === 'yarn-berry') env.YARN_NPM_REGISTRY_SERVER = options.registry;
  }
  return env;
}

/** What to quote of a failed run: from its first error line (stack frames left out), else its last lines. */
export function outputTail(output: string): string {
  const lines = output.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !/^at\s/.test(l) && !/^Node\.js v\d/.test(l));
  const first = lines.findIndex((l) => /^(?:[\w ]*Error:|(?:npm )?(?:ERR!|error)\b|ERR_PNPM_|➤ YN0\d+: .*(?:error|failed|not found|invalid))/i.test(l));
  const picked = first === -1 ? lines.slice(-8) : lines.slice(first, first + 6);
  return picked.join(' | ').slice(0, 900);
}

/** Runs the package manager in `dir`; throws with the tail of its output when it fails. */
export function runPm(pm: PackageManager, dir: string, args: readonly string[], options: RunOptions): Promise<void> {
  const argv = [...pm.prefix, ...args];
  const shown = `${pm.kind === 'npm' ? 'npm' : pm.label.split('@')[0]} ${args.join(' ')}`;
  options.onProgress?.(`  running ${shown}${pm.kind === 'npm' ? '' : ` (${pm.label})`}`);
  return new Promise((resolve, reject) => {
    execFile(pm.command, argv, { cwd: dir, env: pmEnv(pm, options), timeout: TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024, signal: options.signal, windowsHide: true }, (err, stdout, stderr) => {
      if (!err) return resolve();
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        reject(new AppError('unavailable', `${pm.command} is not installed (needed for ${shown}); install Node.js ${pm.command === 'corepack' ? 'with corepack (it ships with Node 20)' : 'with npm'} and run again`));
        return;
      }
      const tail = outputTail(`${String(stderr)}\n${String(stdout)}`);
      const exit = (err as { code?: unknown }).code;
      const why = err.killed ? `stopped after ${TIMEOUT_MS / 60_000} minutes` : `exit code ${typeof exit === 'number' || typeof exit === 'string' ? exit : 'unknown'}`;
      reject(new AppError('internal', `\`${shown}\` failed in ${dir} (${why}): ${tail || 'no output'}; run it there to see the whole output`));
    });
  });
}

/** Regenerates the lockfile from the manifests (keeping what it locks where the ranges still admit it). */
export async function relock(pm: PackageManager, dir: string, options: RunOptions): Promise<void> {
  const registry = options.registry === null ? [] : ['--registry', options.registry];
  switch (pm.kind) {
    case 'npm':
      return runPm(pm, dir, ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund', ...(pm.lockfileVersion === null ? [] : ['--lockfile-version', String(pm.lockfileVersion)]), ...registry], options);
    case 'yarn-classic': {
      const modules = mkdtempSync(join(tmpdir(), 'patchwarden-yarn-modules-'));
      try {
        return await runPm(pm, dir, ['install', '--ignore-scripts', '--ignore-engines', '--non-interactive', '--no-progress', '--modules-folder', modules, ...registry], options);
      } finally {
        rmSync(modules, { recursive: true, force: true });
      }
    }
    case 'yarn-berry':
      return runPm(pm, dir, ['install', '--mode=update-lockfile'], options);
    case 'pnpm':
      return runPm(pm, dir, ['install', '--lockfile-only', '--ignore-scripts', '--no-frozen-lockfile', ...registry], options);
  }
}

/** Berry: resolve `descriptor` (`minimist@npm:^1.2.5`) to `version`, in the lockfile only. */
export function setBerryResolution(pm: PackageManager, dir: string, descriptor: string, version: string, options: RunOptions): Promise<void> {
  return runPm(pm, dir, ['set', 'resolution', descriptor, `npm:${version}`], options);
}

/** Berry lockfile entries: each descriptor (`name@npm:range`) with the version it resolves to. */
export function berryDescriptors(lockText: string): { descriptor: string; name: string; range: string; version: string }[] {
  const doc = parseYaml(lockText) as unknown;
  const out: { descriptor: string; name: string; range: string; version: string }[] = [];
  if (typeof doc !== 'object' || doc === null) return out;
  for (const [key, value] of Object.entries(doc as Record<string, unknown>)) {
    if (key === '__metadata' || typeof value !== 'object' || value === null) continue;
    const version = (value as { version?: unknown }).version;
    if (typeof version !== 'string') continue;
    for (const descriptor of key.split(',').map((d) => d.trim())) {
      const m = /^(@?[^@]+)@npm:(.+)$/.exec(descriptor);
      if (m && !m[2]!.includes('@')) out.push({ descriptor, name: m[1]!, range: m[2]!, version });
    }
  }
  return out;
}

/** Where a root-manifest override of `key` lives for this package manager. */
export function overridePath(pm: PmKind, key: string): string[] {
  switch (pm) {
    case 'npm':
      return ['overrides', key];
    case 'yarn-classic':
    case 'yarn-berry':
      return ['resolutions', key];
    case 'pnpm':
      return ['pnpm', 'overrides', key];
  }
}

/**
 * The manifest path of an override of `name`, only where it is needed by `parent` when given:
 * npm `overrides.<parent>.<name>`, yarn classic `resolutions["**\/<parent>/<name>"]`, Berry
 * `resolutions["<parent>/<name>"]`, pnpm `pnpm.overrides["<parent>><name>"]`.
 */
export function scopedOverridePath(pm: PmKind, name: string, parent: string | null): string[] {
  if (parent === null) return overridePath(pm, name);
  switch (pm) {
    case 'npm':
      return ['overrides', parent, name];
    case 'yarn-classic':
      return ['resolutions', `**/${parent}/${name}`];
    case 'yarn-berry':
      return ['resolutions', `${parent}/${name}`];
    case 'pnpm':
      return ['pnpm', 'overrides', `${parent}>${name}`];
  }
}

const ARTIFACT_FILES = ['.pnp.cjs', '.pnp.loader.mjs', '.pnp.data.json', '.yarn/install-state.gz', '.yarn/build-state.yml', '.yarn/unplugged', '.yarn/cache', '.yarn-integrity', '.yarn'];

/** `node_modules` folders up to four levels down (not inside another), relative to `dir`. */
function moduleFolders(dir: string, depth = 0, out: string[] = []): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    if (!e.isDirectory() || e.name === '.git') continue;
    const path = join(dir, e.name);
    if (e.name === 'node_modules') out.push(path);
    else if (depth < 4 && !e.name.startsWith('.')) moduleFolders(path, depth + 1, out);
  }
  return out;
}

/** What exists now of what package managers leave behind; `cleanup()` removes what appeared since. */
export function snapshotArtifacts(dir: string): { cleanup(): void } {
  const before = new Set([...ARTIFACT_FILES.map((f) => join(dir, f)).filter((p) => existsSync(p)), ...moduleFolders(dir)]);
  return {
    cleanup(): void {
      for (const path of [...ARTIFACT_FILES.map((f) => join(dir, f)), ...moduleFolders(dir)]) {
        if (!before.has(path) && existsSync(path) && relative(dir, path) !== '') rmSync(path, { recursive: true, force: true });
      }
    },
  };
}
