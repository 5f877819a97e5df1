/**
 * The shapes of the fix engine, shared by the npm-family engine (`index.ts`) and the PyPI one
 * (`pypi.ts`), which imports this file (not `index.ts`) so there is no import cycle.
 */
import type { SeverityRating } from '../../advisories/severity.js';
import type { AdvisorySource, FindingAdvisory } from '../scan.js';

export type FixMethod =
  | 'lockfile' // in-range: only the lockfile changes (manifest range already admits the fix)
  | 'manifest' // direct dep out of range: the manifest range is bumped minimally, lockfile regenerated
  | 'parent' // transitive: a direct parent is bumped to a version whose range admits a fixed version
  | 'override' // transitive, no parent fix: npm `overrides` / yarn `resolutions` / `pnpm.overrides` in the root manifest
  | 'pin'; // PyPI: `==` pin rewritten in a requirements file (or the pyproject/Pipfile constraint + relock)

export interface PlannedUpdate {
  readonly ecosystem: 'npm' | 'PyPI';
  readonly package: string;
  /** The vulnerable versions locked now (one lockfile may hold several). */
  readonly from: readonly string[];
  /** The version chosen (null when not fixable). */
  readonly to: string | null;
  readonly method: FixMethod | null;
  /** Relative to the repository root, '/' separators. */
  readonly lockfile: string;
  /** Files changed (relative), once applied. */
  readonly files: readonly string[];
  /** Method 'parent': the direct parent bumped. */
  readonly parent?: { readonly name: string; readonly from: string; readonly to: string };
  /** Manifest/override edits: the manifest (relative) and the range before and after. */
  readonly range?: { readonly manifest: string; readonly from: string; readonly to: string };
  readonly advisories: readonly FindingAdvisory[];
  readonly severity: SeverityRating;
  readonly status: 'fixed' | 'not-fixable' | 'failed';
  /** Why not fixable / what failed (clear words). */
  readonly reason: string | null;
  /** A link: npm repository releases/tag or npmjs.com version page; PyPI project page. */
  readonly releaseNotes: string | null;
}

export interface FixContext {
  readonly advisories: AdvisorySource;
  /** npm registry URL, default npm_config_registry or https://registry.npmjs.org. */
  readonly registry?: string;
  readonly onProgress?: (line: string) => void;
  readonly signal?: AbortSignal;
  /**
   * Extra environment for the package managers run (added to process.env), e.g. corepack's
   * COREPACK_NPM_REGISTRY / COREPACK_INTEGRITY_KEYS or an npm cache folder.
   */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * PyPI: the base URL of the PyPI JSON API (`GET {pypiUrl}/pypi/<name>/json`), default env
   * PATCHWARDEN_PYPI_URL or https://pypi.org. Added by the PyPI fix engine (`pypi.ts`).
   */
  readonly pypiUrl?: string;
}
