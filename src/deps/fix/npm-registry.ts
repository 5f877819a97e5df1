/**
 * The npm registry as the fix engine reads it: packuments (every published version with its
 * dependency ranges and deprecation), fetched once per run; the release-notes link of a version
 * (its repository's GitHub release tag, else its npmjs.com page).
 */
import nodeSemver from 'semver';
import { AppError } from '../../domain/errors.js';

export const DEFAULT_REGISTRY = 'https://registry.npmjs.org';

export interface PublishedVersion {
  readonly version: string;
  readonly deprecated: boolean;
  /** dependencies, optionalDependencies and peerDependencies (first wins), name -> range. */
  readonly dependencies: Readonly<Record<string, string>>;
}

export interface Packument {
  readonly name: string;
  /** Valid semver versions, ascending. */
  readonly versions: readonly PublishedVersion[];
}

const TIMEOUT_MS = 60_000;

function strings(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return out;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** Reads packuments from one registry, memoised (the promise, so concurrent reads share a request). */
export class NpmRegistry {
  private readonly cache = new Map<string, Promise<Packument>>();
  readonly url: string;

  constructor(
    url: string | undefined,
    private readonly signal?: AbortSignal,
  ) {
    this.url = (url ?? DEFAULT_REGISTRY).replace(/\/+$/, '');
  }

  private async get(path: string, accept: string): Promise<unknown> {
    const signals = [AbortSignal.timeout(TIMEOUT_MS), ...(this.signal ? [this.signal] : [])];
    let response: Response;
    try {
      response = await fetch(`${this.url}/${path}`, { headers: { accept }, signal: AbortSignal.any(signals) });
    } catch (err) {
      throw new AppError('unavailable', `npm registry ${this.url} cannot be reached (${(err as Error).message}); check the network or set npm_config_registry to a reachable registry`);
    }
    if (response.status === 404) throw new AppError('not_found', `${decodeURIComponent(path)} is not in the npm registry ${this.url}; check the name, or the registry setting`);
    if (!response.ok) throw new AppError('unavailable', `npm registry ${this.url} answered ${response.status} for ${decodeURIComponent(path)}; try again later or check the registry setting`);
    return await response.json();
  }

  /** Every published version of `name` with its ranges, ascending. */
  packument(name: string): Promise<Packument> {
    let p = this.cache.get(name);
    if (!p) {
      p = this.get(name.replace('/', '%2f'), 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8').then((json) => {
        const versions = typeof json === 'object' && json !== null ? (json as { versions?: unknown }).versions : undefined;
        const list: PublishedVersion[] = [];
        if (typeof versions === 'object' && versions !== null) {
          for (const [version, doc] of Object.entries(versions as Record<string, unknown>)) {
            if (nodeSemver.valid(version) === null || typeof doc !== 'object' || doc === null) continue;
            const d = doc as Record<string, unknown>;
            list.push({
              version,
              deprecated: typeof d.deprecated === 'string' && d.deprecated !== '',
              dependencies: { ...strings(d.peerDependencies), ...strings(d.optionalDependencies), ...strings(d.dependencies) },
            });
          }
        }
        list.sort((a, b) => nodeSemver.compare(a.version, b.version));
        return { name, versions: list };
      });
      p.catch(() => this.cache.delete(name));
      this.cache.set(name, p);
    }
    return p;
  }

  /** The release-notes link of a version: its GitHub release tag when the repository is on GitHub, else its npmjs.com page. */
  async releaseNotes(name: string, version: string): Promise<string> {
    const npmPage = `https://www.npmjs.com/package/${name}/v/${version}`;
    try {
      const doc = await this.get(`${name.replace('/', '%2f')}/${encodeURIComponent(version)}`, 'application/json');
      const repo = typeof doc === 'object' && doc !== null ? (doc as { repository?: unknown }).repository : undefined;
      const url = typeof repo === 'string' ? repo : typeof repo === 'object' && repo !== null ? (repo as { url?: unknown }).url : undefined;
      const gh = typeof url === 'string' ? githubRepository(url) : null;
      return gh ? `https://github.com/${gh}/releases/tag/v${version}` : npmPage;
    } catch {
      return npmPage;
    }
  }
}

/**
 * `owner/repo` of a GitHub repository URL in any form npm accepts, or null.
 *
 * @example githubRepository('git+https://github.com/lodash/lodash.git') // 'lodash/lodash'
 * @example githubRepository('lodash/lodash') // 'lodash/lodash' (npm's GitHub shorthand)
 */
export function githubRepository(url: string): string | null {
  const u = url.trim();
  const shorthand = /^(?:github:)?([\w.-]+)\/([\w.-]+?)(?:\.git)?(?:#.*)?$/.exec(u);
  if (shorthand) return `${shorthand[1]}/${shorthand[2]}`;
  const m = /github\.com[/:]([\w.-]+)\/([\w.-]+?)(?:\.git)?(?:[/#?].*)?$/i.exec(u);
  return m ? `${m[1]}/${m[2]}` : null;
}

/**
 * The smallest published version above `above` (within `range` when given) that `isClean` accepts:
 * not a pre-release unless `above` is one; a deprecated version only when no other qualifies.
 */
export function lowestQualifying(packument: Packument, above: string, isClean: (version: string) => boolean, range?: string): PublishedVersion | null {
  const pre = nodeSemver.prerelease(above) !== null;
  let deprecated: PublishedVersion | null = null;
  for (const v of packument.versions) {
    if (nodeSemver.compare(v.version, above) <= 0) continue;
    if (!pre && nodeSemver.prerelease(v.version) !== null) continue;
    if (range !== undefined && !nodeSemver.satisfies(v.version, range, { includePrerelease: pre })) continue;
    if (!isClean(v.version)) continue;
    if (!v.deprecated) return v;
    deprecated ??= v;
  }
  return deprecated;
}
