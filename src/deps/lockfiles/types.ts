/**
 * What every lockfile parser yields: the locked packages of one lockfile, each with where it comes
 * from (direct or transitive, dev or runtime, the dependency paths that pull it in) and where it is
 * written (file and line). Pure types.
 */

/** The OSV ecosystems the parsers read. */
export type DepsEcosystem = 'npm' | 'PyPI';

/** The lockfile formats Patchwarden reads. */
export type LockfileKind =
  | 'npm-package-lock'
  | 'npm-shrinkwrap'
  | 'yarn-classic'
  | 'yarn-berry'
  | 'pnpm'
  | 'pip-requirements'
  | 'poetry'
  | 'pipenv';

export interface LockedPackage {
  readonly ecosystem: DepsEcosystem;
  readonly name: string;
  readonly version: string;
  /** A dependency that a manifest (or a workspace's manifest) names itself. */
  readonly direct: boolean;
  /** Needed only by dev dependencies (never installed with `--omit=dev` / `--production`). */
  readonly dev: boolean;
  /** Reached only through optional dependencies (where the format says). */
  readonly optional: boolean;
  /** A peer dependency of a direct dependency, installed for it (where the format says). */
  readonly peer: boolean;
  /**
   * A few shortest dependency chains, each from a manifest's direct dependency to this package,
   * as `name@version` (the last element is this package). A workspace other than the root is the
   * first element, as `workspace:<folder>`.
   */
  readonly paths: readonly (readonly string[])[];
  /** The lockfile, relative to the scanned directory, with `/` separators. */
  readonly lockfile: string;
  /** 1-based line of the package's entry in the lockfile, when known. */
  readonly line: number | null;
  /** PyPI: the environment marker of the requirement (`python_version < "3.8"`), when given. */
  readonly markers?: string;
}

/** Something worth telling that is not a finding: an unpinned requirement, a skipped entry. */
export interface LockfileNote {
  readonly lockfile: string;
  readonly line: number | null;
  readonly kind: 'not-pinned' | 'skipped' | 'ignored-file';
  readonly message: string;
}

export interface ParsedLockfile {
  /** Relative to the scanned directory, `/` separators. */
  readonly path: string;
  readonly kind: LockfileKind;
  /** The format version the file declares (`3`, `'9.0'`, `8`, `'2.1'`), when it declares one. */
  readonly formatVersion: string | null;
  readonly packages: readonly LockedPackage[];
  readonly notes: readonly LockfileNote[];
}

/** How a parser reads files near the lockfile (manifests, `-r` includes), by a path relative to the lockfile's folder; null when missing. */
export type ReadSibling = (relativePath: string) => string | null;

/** The sub-folder names of a folder relative to the lockfile's folder (for workspace globs); [] when missing. */
export type ListFolders = (relativeDir: string) => string[];

/** The input of a parser: the lockfile's text, its path (relative, `/`) and a reader for its neighbours. */
export interface LockfileInput {
  readonly path: string;
  readonly text: string;
  readonly read: ReadSibling;
  readonly list: ListFolders;
}
