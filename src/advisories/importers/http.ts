/**
 * HTTP for the importers, over the global fetch: a timeout for the response to start and an idle
 * timeout while the body streams (a total timeout would cut off large downloads on slow links).
 * Every error names the URL.
 */
import { createWriteStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { pipeline, Readable, Transform } from 'node:stream';
import { pipeline as pipelinePromise } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { AppError } from '../../domain/errors.js';

export interface HttpOptions {
  /** Time allowed until the response headers arrive (default 30 s). */
  readonly timeoutMs?: number | undefined;
  /** Time allowed without a byte of body (default 60 s). */
  readonly idleTimeoutMs?: number | undefined;
}

/** An HTTP response with its body, closing its timers when done. */
export interface HttpBody {
  readonly url: string;
  readonly lastModified: string | null;
  readonly size: number | null;
  /** The body as a Node stream (the idle timeout applies). */
  readonly stream: Readable;
  /** Bytes received so far. */
  bytes(): number;
}

function describe(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.cause?.code !== undefined) return `${e.cause.code}${e.cause.message ? ` (${e.cause.message})` : ''}`;
  return e.message ?? String(err);
}

/**
 * GETs `url`. Resolves null on 404 when `allowMissing`; throws AppError('unavailable') naming the
 * URL on network errors, timeouts and other statuses.
 */
export async function httpGet(url: string, options: HttpOptions & { allowMissing?: boolean } = {}): Promise<HttpBody | null> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const idleMs = options.idleTimeoutMs ?? 60_000;
  const controller = new AbortController();
  let timedOut: string | null = null;
  let timer = setTimeout(() => {
    timedOut = `no response within ${timeoutMs / 1000} s`;
    controller.abort();
  }, timeoutMs);
  let response: Response;
  try {
    response = await fetch(url, { signal: controller.signal, redirect: 'follow', headers: { 'user-agent': 'patchwarden-advisory-importer' } });
  } catch (err) {
    clearTimeout(timer);
    throw new AppError('unavailable', `Cannot download ${url}: ${timedOut ?? describe(err)}`, { cause: err });
  }
  clearTimeout(timer);
  if (response.status === 404 && options.allowMissing === true) {
    await response.body?.cancel();
    return null;
  }
  if (!response.ok || response.body === null) {
    await response.body?.cancel();
    throw new AppError('unavailable', `Cannot download ${url}: HTTP ${response.status} ${response.statusText}`.trimEnd());
  }
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = `no data for ${idleMs / 1000} s`;
      controller.abort();
    }, idleMs);
  };
  arm();
  let bytes = 0;
  // Each chunk re-arms the idle timer; errors come out re-worded to name the URL and the reason.
  const watch = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      arm();
      callback(null, chunk);
    },
  });
  const source = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
  pipeline(source, watch, (err) => {
    clearTimeout(timer);
    if (err) err.message = `Cannot download ${url}: ${timedOut ?? describe(err)}`;
  });
  watch.on('close', () => clearTimeout(timer));
  const length = response.headers.get('content-length');
  return { url, lastModified: response.headers.get('last-modified'), size: length === null ? null : Number(length), stream: watch, bytes: () => bytes };
}

/** GETs `url` (must exist) into `path`. */
export async function downloadToFile(url: string, path: string, options: HttpOptions = {}): Promise<{ bytes: number; lastModified: string | null }> {
  const body = (await httpGet(url, options))!;
  try {
    await pipelinePromise(body.stream, createWriteStream(path));
  } catch (err) {
    throw new AppError('unavailable', (err as Error).message.startsWith('Cannot download') ? (err as Error).message : `Cannot download ${url}: ${describe(err)}`, { cause: err });
  }
  return { bytes: body.bytes(), lastModified: body.lastModified };
}

/** The lines of a text body, streamed; stop early by breaking out of the loop. */
export async function* bodyLines(body: HttpBody): AsyncGenerator<string> {
  let rest = '';
  const decoder = new StringDecoder('utf8');
  try {
    for await (const chunk of body.stream) {
      rest += decoder.write(chunk as Buffer);
      let at = rest.indexOf('\n');
      while (at !== -1) {
        yield rest.slice(0, at).replace(/\r$/, '');
        rest = rest.slice(at + 1);
        at = rest.indexOf('\n');
      }
    }
  } catch (err) {
    throw new AppError('unavailable', (err as Error).message, { cause: err });
  } finally {
    body.stream.destroy();
  }
  rest += decoder.end();
  if (rest !== '') yield rest.replace(/\r$/, '');
}

/** GETs a whole (small) body as text; null on 404 when `allowMissing`. */
export async function httpText(url: string, options: HttpOptions & { allowMissing?: boolean } = {}): Promise<string | null> {
  const body = await httpGet(url, options);
  if (body === null) return null;
  const parts: Buffer[] = [];
  try {
    for await (const chunk of body.stream) parts.push(chunk as Buffer);
  } catch (err) {
    throw new AppError('unavailable', (err as Error).message, { cause: err });
  }
  return Buffer.concat(parts).toString('utf8');
}
