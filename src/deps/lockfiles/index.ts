/**
 * The lockfile parsers behind one function: which file names are lockfiles, and `parseLockfile`
 * for each. See README.md of src/deps for what is read from each format.
 */
import { lockfileError } from './errors.js';
import { parseNpmLockfile } from './npm.js';
import { parsePipfileLock } from './pipenv.js';
import { parsePnpmLockfile } from './pnpm.js';
import { parsePoetryLock } from './poetry.js';
import { parseRequirements } from './requirements.js';
import type { LockfileInput, LockfileKind, ParsedLockfile } from './types.js';
import { parseYarnLockfile } from './yarn.js';

export type * from './types.js';
export { lockfileError, lockfileErrorDetails, type LockfileErrorDetails } from './errors.js';

/**
 * The lockfile kind of a file name (not a path), or null. `yarn.lock` is told apart (classic or
 * Berry) by its content; `requirements/*.txt` is recognised by `discover`.
 *
 * @example lockfileKindOf('requirements-dev.txt') // 'pip-requirements'
 */
export function lockfileKindOf(fileName: string): LockfileKind | 'yarn' | null {
  switch (fileName) {
    case 'package-lock.json':
      return 'npm-package-lock';
    case 'npm-shrinkwrap.json':
      return 'npm-shrinkwrap';
    case 'yarn.lock':
      return 'yarn';
    case 'pnpm-lock.yaml':
      return 'pnpm';
    case 'poetry.lock':
      return 'poetry';
    case 'Pipfile.lock':
      return 'pipenv';
    default:
      return /^requirements([-_.][\w.-]*)?\.txt$/i.test(fileName) ? 'pip-requirements' : null;
  }
}

/**
 * Parses one lockfile. Throws AppError('validation') naming the file and line (and the fix) when it
 * is malformed or of an unknown format version.
 */
export function parseLockfile(kind: LockfileKind | 'yarn', input: LockfileInput): ParsedLockfile {
  if (input.text.trim() === '' && kind !== 'pip-requirements') throw lockfileError(input.path, 1, 'the file is empty', 'regenerate it with its package manager, or delete it');
  switch (kind) {
    case 'npm-package-lock':
    case 'npm-shrinkwrap':
      return parseNpmLockfile(input, kind);
    case 'yarn':
    case 'yarn-classic':
    case 'yarn-berry':
      return parseYarnLockfile(input);
    case 'pnpm':
      return parsePnpmLockfile(input);
    case 'pip-requirements':
      return parseRequirements(input);
    case 'poetry':
      return parsePoetryLock(input);
    case 'pipenv':
      return parsePipfileLock(input);
  }
}
