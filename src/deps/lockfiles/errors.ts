/**
 * Lockfile errors: one AppError('validation') whose message names the file and the line, says what
 * is wrong and how to fix it; `details` carries `{ lockfile, line }` for reports.
 */
import { AppError } from '../../domain/errors.js';

export interface LockfileErrorDetails {
  readonly lockfile: string;
  readonly line: number | null;
}

/**
 * @example
 *   lockfileError('package-lock.json', 12, 'unexpected end of JSON', 'regenerate it with `npm install --package-lock-only`')
 *   // AppError: package-lock.json:12: unexpected end of JSON; regenerate it with `npm install --package-lock-only`
 */
export function lockfileError(lockfile: string, line: number | null, problem: string, fix: string): AppError {
  const where = line === null ? lockfile : `${lockfile}:${line}`;
  const details: LockfileErrorDetails = { lockfile, line };
  return new AppError('validation', `${where}: ${problem}; ${fix}`, { details });
}

/** The lockfile and line of an error thrown by `lockfileError`, if it is one. */
export function lockfileErrorDetails(err: unknown): LockfileErrorDetails | null {
  if (!(err instanceof AppError) || typeof err.details !== 'object' || err.details === null) return null;
  const d = err.details as Partial<LockfileErrorDetails>;
  return typeof d.lockfile === 'string' ? { lockfile: d.lockfile, line: typeof d.line === 'number' ? d.line : null } : null;
}

/** 1-based line of a character offset. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  const end = Math.min(offset, text.length);
  for (let i = text.indexOf('\n'); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) line += 1;
  return line;
}

/** JSON.parse that reports the line of a syntax error and what to run to regenerate the file. */
export function parseJsonLockfile(lockfile: string, text: string, fix: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const message = (err as Error).message;
    const position = /at position (\d+)/.exec(message);
    const line = position ? lineAt(text, Number(position[1])) : /end of JSON/i.test(message) ? lineAt(text, text.length) : null;
    throw lockfileError(lockfile, line, `not valid JSON (${message.replace(/ in JSON at position \d+.*$/, '')})`, fix);
  }
}

/** True for a plain object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The string-valued entries of an object field (others ignored). */
export function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObject(value)) return out;
  for (const [key, v] of Object.entries(value)) if (typeof v === 'string') out[key] = v;
  return out;
}
