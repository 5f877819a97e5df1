import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type pino from 'pino';
import { AppError, type ErrorCode } from '../../domain/errors.js';
import type { ErrorResponse } from '../../contracts/api.js';
import { errorCodeForStatus, HTTP_STATUS_OF } from '../../contracts/errors.js';

/** Fastify's own client errors, in words that say what to fix. */
function fastifyMessage(err: FastifyError): string {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return `The request body is not valid JSON (${err.message}); send a JSON object with Content-Type: application/json.`;
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'The request body is too large; the server accepts at most bodyLimitBytes (default 1 MiB).';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'Unsupported Content-Type; send JSON with Content-Type: application/json.';
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return 'The Content-Length header does not match the body.';
    case 'FST_ERR_BAD_URL':
      return 'The URL is not valid (broken percent-encoding); encode path segments with encodeURIComponent.';
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return 'A path parameter is too long; ids have at most 64 characters.';
    default:
      return err.message;
  }
}

export function errorBody(code: ErrorCode, message: string, details?: unknown): ErrorResponse {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

/** One error shape for every failure: `{ "error": { "code", "message", "details" } }`. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: unknown, request, reply) => {
    if (err instanceof AppError) {
      const status = HTTP_STATUS_OF[err.code];
      if (status >= 500) request.log.error({ err, code: err.code }, 'request failed');
      const retry = (err.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
      if (err.code === 'rate_limited' && retry !== undefined) void reply.header('retry-after', String(retry));
      return reply.status(status).send(errorBody(err.code, err.message, err.details));
    }
    const fe = err as FastifyError;
    const status = typeof fe.statusCode === 'number' ? fe.statusCode : 500;
    if (status >= 400 && status < 500) {
      return reply.status(status).send(errorBody(errorCodeForStatus(status), fastifyMessage(fe)));
    }
    request.log.error({ err }, 'request failed');
    return reply
      .status(500)
      .send(errorBody('internal', `Internal error; the server log has the details under request id ${request.id}.`));
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .send(errorBody('not_found', `No route ${request.method} ${request.url.split('?')[0] ?? ''}; the API is documented at /api/docs.`)),
  );
}

/**
 * Errors Fastify's router answers before any route runs (a URL that cannot be decoded, an over-long
 * path parameter): the same error shape as everything else (Fastify's `frameworkErrors` option).
 */
export function frameworkErrorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400;
  request.log.debug({ code: err.code }, 'request refused by the router');
  void reply.status(status).send(errorBody(errorCodeForStatus(status), fastifyMessage(err)));
}

const CLIENT_ERRORS: Record<string, [number, string, string]> = {
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'The request took too long to arrive; send it again.'],
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large', 'The request headers are too large.'],
};

/**
 * Requests Node's HTTP parser refuses (broken framing, a body shorter than its Content-Length,
 * oversized headers) never reach Fastify's error handler; this answers them in the error shape too
 * (Fastify's `clientErrorHandler` option). It logs only the error code: the raw bytes of a broken
 * request may hold credentials.
 */
export function createClientErrorHandler(logger: pino.Logger): (err: Error & { code?: string }, socket: Socket) => void {
  return (err, socket) => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const [status, reason, message] = CLIENT_ERRORS[err.code ?? ''] ?? [400, 'Bad Request', 'The request is not valid HTTP/1.1 (framing, headers or Content-Length).'];
    logger.debug({ code: err.code ?? null, status }, 'client error');
    // As Node does: answer only when no response on this socket has started, so none is corrupted.
    const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
    if (socket.writable && inFlight?.headersSent !== true) {
      const body = JSON.stringify(errorBody(errorCodeForStatus(status), message));
      socket.write(
        `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    }
    socket.destroy(err);
  };
}
