/**
 * The one error type of Patchwarden. Services throw it with a `code`; only the HTTP layer maps codes
 * to statuses, and the CLI maps them to exit codes. Every message a user can cause says what was
 * wrong and how to fix it.
 *
 * @example
 *   throw new AppError('not_found', 'Account "acct_x" does not exist; list accounts with `patchwarden accounts list`.');
 */
export const ERROR_CODES = [
  'validation',
  'bad_request',
  'unauthenticated',
  'password_change_required',
  'forbidden',
  'csrf',
  'not_found',
  'conflict',
  'payload_too_large',
  'unsupported_media_type',
  'rate_limited',
  'unavailable',
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface AppErrorOptions {
  details?: unknown;
  cause?: unknown;
  /** The access rules refused the request (such refusals of changes are audited). */
  denied?: boolean;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;
  readonly denied: boolean;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = options.details;
    this.denied = options.denied ?? false;
  }
}

/** True when `err` is an AppError (optionally of one of the given codes). */
export function isAppError(err: unknown, ...codes: ErrorCode[]): err is AppError {
  return err instanceof AppError && (codes.length === 0 || codes.includes(err.code));
}
