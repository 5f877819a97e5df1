import type { ErrorCode } from '../domain/errors.js';

/** Exit codes of the CLI (documented in docs/cli.md, whose table a test compares with this one). */
export const EXIT = {
  ok: 0,
  /** Anything else: server error, unreadable CLI config, cancelled prompt. */
  error: 1,
  /** Wrong command line: unknown command or option, missing argument. */
  usage: 2,
  /** Not signed in, or the token is invalid, expired or revoked. */
  unauthenticated: 3,
  /** Signed in but not allowed (role missing, CSRF, password change required). */
  forbidden: 4,
  /** The object does not exist or is not yours to see. */
  notFound: 5,
  /** The server refused the input (validation) or it conflicts with the current state. */
  invalid: 6,
  /** The server cannot be reached (network failure), or it or its database is unavailable, or it rate-limits. */
  unavailable: 7,
  /** `deps scan`: findings at or above `--fail-on` exist; `deps fix`: a vulnerable package has no fixed version; `repos scan --wait`: the repository is NON_COMPLIANT. */
  findings: 8,
  /** `deps scan`: the scan is partial, a lockfile or folder could not be read (no findings at or above `--fail-on`); `repos scan --wait`: the scan is PARTIAL. */
  partial: 9,
} as const;

export function exitCodeOf(code: ErrorCode): number {
  switch (code) {
    case 'unauthenticated':
      return EXIT.unauthenticated;
    case 'forbidden':
    case 'csrf':
    case 'password_change_required':
      return EXIT.forbidden;
    case 'not_found':
      return EXIT.notFound;
    case 'validation':
    case 'bad_request':
    case 'conflict':
    case 'payload_too_large':
    case 'unsupported_media_type':
      return EXIT.invalid;
    case 'unavailable':
    case 'rate_limited':
      return EXIT.unavailable;
    case 'internal':
      return EXIT.error;
  }
}
