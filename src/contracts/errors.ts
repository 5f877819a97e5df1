import { ERROR_CODES, type ErrorCode } from '../domain/errors.js';

export { ERROR_CODES, type ErrorCode };

/** The HTTP status of each error code: the API's contract (the server answers with it, clients map back). */
export const HTTP_STATUS_OF: Record<ErrorCode, number> = {
  validation: 400,
  bad_request: 400,
  unauthenticated: 401,
  password_change_required: 403,
  forbidden: 403,
  csrf: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

/**
 * The error code for a status that came without the error shape (a framework error on the server,
 * a proxy's answer on the client).
 */
export function errorCodeForStatus(status: number): ErrorCode {
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status === 413) return 'payload_too_large';
  if (status === 415) return 'unsupported_media_type';
  if (status === 429) return 'rate_limited';
  if (status === 502 || status === 503 || status === 504) return 'unavailable';
  return status >= 500 || status < 400 ? 'internal' : 'bad_request';
}
