/**
 * Relocking poetry.lock and Pipfile.lock with the real tools when they are on PATH: Poetry 1.x
 * `poetry lock --no-update` / 2.x `poetry lock` after a manifest edit, `poetry update --lock <name>`
 * when the manifest already admits the fix (`lock` alone keeps the locked version), and `pipenv lock`. Lockfiles are never edited by hand.
 * Child processes run without a shell, with a timeout, and their stderr tail in the error.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export type PythonTool = 'poetry' | 'pipenv';

const TIMEOUT_MS = 10 * 60_000;

/** The executable's path when `command` is on PATH (of `env`), else null. */
export function findOnPath(command: string, env: Readonly<Record<string, string | undefined>> = process.env): string | null {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly error: Error | null;
}

function run(file: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, [...args], { cwd, env, timeout: TIMEOUT_MS, maxBuffer: 32 * 1024 * 1024, ...(signal ? { signal } : {}) }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : null;
      resolve({ code, stdout: String(stdout), stderr: String(stderr), error });
    });
  });
}

function tail(text: string): string {
  const lines = text.trim().split('\n').slice(-12).join('\n');
  return lines.length > 2000 ? lines.slice(-2000) : lines;
}

export type RelockMode = { readonly kind: 'manifest-changed' } | { readonly kind: 'update'; readonly name: string };

export type RelockResult = { readonly ok: true; readonly command: string } | { readonly ok: false; readonly missing: boolean; readonly reason: string };

/** The command a person would run for this relock (for messages when the tool is missing). */
export function relockAdvice(tool: PythonTool, mode: RelockMode): string {
  if (tool === 'pipenv') return '`pipenv lock`';
  return mode.kind === 'update' ? `\`poetry update --lock ${mode.name}\`` : '`poetry lock` (Poetry 2) or `poetry lock --no-update` (Poetry 1)';
}

/** Relocks the lockfile in `dir` with the real tool, or says why it could not. */
export async function relock(tool: PythonTool, dir: string, mode: RelockMode, options: { env?: Readonly<Record<string, string>>; signal?: AbortSignal } = {}): Promise<RelockResult> {
  const env = { ...process.env, ...options.env, PIPENV_NOSPIN: '1', PIPENV_YES: '1', PYTHONUNBUFFERED: '1' };
  const exe = findOnPath(tool, env);
  if (exe === null) return { ok: false, missing: true, reason: `${tool} is not installed (not on PATH)` };
  let args: string[];
  // pipenv lock re-resolves the Pipfile: an in-range fix comes with it.
  if (tool === 'pipenv') args = ['lock'];
  else if (mode.kind === 'update') args = ['update', '--lock', '--no-interaction', mode.name];
  else {
    const version = await run(exe, ['--version'], dir, env, options.signal);
    const major = /(\d+)\.\d+/.exec(version.stdout)?.[1];
    if (version.code !== 0 || major === undefined) return { ok: false, missing: false, reason: `\`poetry --version\` failed: ${tail(version.stderr || version.stdout) || version.error?.message || 'no output'}` };
    args = Number(major) >= 2 ? ['lock', '--no-interaction'] : ['lock', '--no-update', '--no-interaction'];
  }
  const command = [tool, ...args].join(' ');
  const result = await run(exe, args, dir, env, options.signal);
  options.signal?.throwIfAborted();
  if (result.code === 0) return { ok: true, command };
  const why = result.code === null ? (result.error?.message ?? 'killed') : `exit code ${result.code}`;
  return { ok: false, missing: false, reason: `\`${command}\` failed (${why}): ${tail(result.stderr || result.stdout)}` };
}
