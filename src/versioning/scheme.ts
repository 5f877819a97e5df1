/**
 * One interface for every version scheme (deb, rpm, semver, pep440, apk). Pure: no IO.
 *
 * A scheme compares versions exactly as its package manager does; anything it cannot parse is an
 * explicit error naming the version and the scheme, never a silent string comparison.
 */
export type SchemeName = 'deb' | 'rpm' | 'semver' | 'pep440' | 'apk';

export type Comparison = -1 | 0 | 1;

export interface VersionScheme {
  readonly name: SchemeName;
  /** True when `version` is a valid version of this scheme. */
  isValid(version: string): boolean;
  /**
   * Compares two versions: -1 when a < b, 0 when equal (by the scheme's rules, e.g. `1.0` and
   * `1.0.0` may be equal), 1 when a > b. Throws `AppError('validation')` naming the version and
   * the scheme when either is invalid.
   *
   * @example
   *   deb.compare('1:1.0', '2.0') // 1 (epoch wins)
   */
  compare(a: string, b: string): Comparison;
}
