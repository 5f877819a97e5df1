/**
 * The PyPI JSON API (`GET {index}/pypi/<name>/json`, https://docs.pypi.org/api/json/): the release
 * list of a project with each file's `yanked` flag and `digests.sha256`, validated with zod. One
 * request per project and run; after a network failure the index counts as unreachable for the
 * rest of the run (no second timeout), and callers fall back to the advisories' fix versions.
 */
import { z } from 'zod';
import { normalizePyName } from '../lockfiles/manifests.js';

export const DEFAULT_PYPI_URL = 'https://pypi.org';
const TIMEOUT_MS = 20_000;

const PypiFile = z.object({
  filename: z.string().optional(),
  digests: z.object({ sha256: z.string().optional() }).optional(),
  yanked: z.boolean().optional(),
});

/** The fields of the project response that fix planning reads. */
const PypiProject = z.object({
  info: z.object({ name: z.string(), package_url: z.string().nullish() }),
  releases: z.record(z.string(), z.array(PypiFile)),
});

export interface PypiRelease {
  readonly version: string;
  /** Every file of the release is yanked (PEP 592). */
  readonly yanked: boolean;
  readonly files: number;
  /** sha256 digests of the release's files (wheels and sdist), sorted as pip-compile writes them. */
  readonly sha256: readonly string[];
}

export interface PypiProjectInfo {
  readonly name: string;
  /** The project page (`https://pypi.org/project/<name>/`), when the index gives one. */
  readonly packageUrl: string | null;
  readonly releases: readonly PypiRelease[];
}

export type PypiLookup = { readonly ok: true; readonly project: PypiProjectInfo } | { readonly ok: false; readonly reason: string };

/** The index URL: the context's, else env PATCHWARDEN_PYPI_URL, else https://pypi.org (no trailing slash). */
export function pypiIndexUrl(explicit: string | undefined): string {
  return (explicit ?? process.env.PATCHWARDEN_PYPI_URL ?? DEFAULT_PYPI_URL).replace(/\/+$/, '');
}

/** The URL without credentials (`https://user:token@host` -> `https://***@host`), for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username === '' && u.password === '') return url;
    u.username = '***';
    u.password = '';
    return u.toString().replace(/\/+$/, '');
  } catch {
    return url.replace(/\/\/[^/@]*@/, '//***@');
  }
}

function networkCause(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  if ((err as Error).name === 'TimeoutError') return `no answer within ${TIMEOUT_MS / 1000} s`;
  return cause?.code ?? cause?.message ?? (err as Error).message;
}

export class PypiIndex {
  private readonly cache = new Map<string, Promise<PypiLookup>>();
  private down: string | null = null;
  /** The URL as messages show it (credentials removed). */
  readonly shown: string;
  /** The URL requests go to: credentials move to an Authorization header (fetch refuses them in URLs). */
  private readonly base: string;
  private readonly authorization: string | null = null;

  constructor(
    url: string,
    private readonly signal?: AbortSignal,
  ) {
    this.shown = redactUrl(url);
    this.base = url;
    try {
      const u = new URL(url);
      if (u.username !== '' || u.password !== '') {
        this.authorization = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`;
        u.username = '';
        u.password = '';
        this.base = u.toString().replace(/\/+$/, '');
      }
    } catch {
      // not a URL: fetch says so, as an unreachable index
    }
  }

  /** The project's releases, or why they could not be read. */
  project(name: string): Promise<PypiLookup> {
    const key = normalizePyName(name);
    let pending = this.cache.get(key);
    if (!pending) this.cache.set(key, (pending = this.fetchProject(key)));
    return pending;
  }

  private async fetchProject(name: string): Promise<PypiLookup> {
    if (this.down !== null) return { ok: false, reason: this.down };
    const url = `${this.base}/pypi/${encodeURIComponent(name)}/json`;
    const timeout = AbortSignal.timeout(TIMEOUT_MS);
    let response: Response;
    try {
      response = await fetch(url, {
        headers: { accept: 'application/json', 'user-agent': 'patchwarden (dependency fixes)', ...(this.authorization === null ? {} : { authorization: this.authorization }) },
        signal: this.signal ? AbortSignal.any([this.signal, timeout]) : timeout,
      });
    } catch (err) {
      this.signal?.throwIfAborted();
      this.down = `${this.shown} is not reachable (${networkCause(err)})`;
      return { ok: false, reason: this.down };
    }
    if (response.status === 404) return { ok: false, reason: `${this.shown} does not know ${name} (HTTP 404)` };
    if (!response.ok) return { ok: false, reason: `${this.shown} answered HTTP ${response.status} for ${name}` };
    let json: unknown;
    try {
      json = await response.json();
    } catch (err) {
      return { ok: false, reason: `${this.shown} did not answer JSON for ${name} (${(err as Error).message})` };
    }
    const parsed = PypiProject.safeParse(json);
    if (!parsed.success) return { ok: false, reason: `${this.shown} did not answer the PyPI JSON API shape for ${name} (${parsed.error.issues[0]?.path.join('.') ?? ''}: ${parsed.error.issues[0]?.message ?? ''})` };
    const releases = Object.entries(parsed.data.releases).map(([version, files]): PypiRelease => ({
      version,
      files: files.length,
      yanked: files.length > 0 && files.every((f) => f.yanked === true),
      sha256: [...new Set(files.flatMap((f) => (f.digests?.sha256 !== undefined && /^[0-9a-f]{64}$/i.test(f.digests.sha256) ? [f.digests.sha256.toLowerCase()] : [])))].sort(),
    }));
    return { ok: true, project: { name: parsed.data.info.name, packageUrl: parsed.data.info.package_url ?? null, releases } };
  }
}
