/**
 * OSV ecosystem strings as the matcher keys them, and package-name normalisation. Pure.
 *
 * Decisions (documented in README.md):
 * - Language ecosystems match on the part before the first `:`; a registry suffix such as
 *   `Maven:https://maven.google.com` or `Packagist:https://packages.drupal.org/8` counts as the
 *   base ecosystem (as Renovate does).
 * - Distro ecosystems match per release. Ubuntu's `Pro:` channel and `:LTS` marker are not part of
 *   the release's identity (`Ubuntu:Pro:22.04:LTS`, `Ubuntu:22.04:LTS` and `Ubuntu:22.04` are the same
 *   release), so a host on 22.04 sees the fixes Canonical publishes only through Ubuntu Pro, and the
 *   finding names the record's own ecosystem. Alpine's `v` is optional (`Alpine:v3.19` = `Alpine:3.19`).
 * - A record whose distro ecosystem has no release (`AlmaLinux`, `Wolfi`) applies to every release.
 *   An instance of a distro that always publishes per release (Debian, Ubuntu, Alpine, ...) must name
 *   its release: it is refused otherwise, instead of silently matching nothing.
 * - Debian, Ubuntu and Alpine records name source packages; instances there are matched through
 *   their source package when they carry one.
 */
import { AppError } from '../domain/errors.js';

/** Distro families of the OSV ecosystem list (ossf/osv-schema ecosystems.json). */
const DISTRO_FAMILIES = new Set([
  'AlmaLinux', 'Alpaquita', 'Alpine', 'Azure Linux', 'BellSoft Hardened Containers', 'Chainguard', 'CleanStart',
  'Debian', 'Docker Hardened Images', 'Echo', 'FreeBSD', 'Mageia', 'MinimOS', 'openEuler', 'openSUSE', 'Photon OS',
  'Red Hat', 'Rocky Linux', 'Root', 'SUSE', 'TuxCare', 'Ubuntu', 'Wolfi',
]);

/** Distros whose OSV records always name a release: an instance without one is an error. */
const RELEASE_REQUIRED = new Set(['Alpine', 'Debian', 'Mageia', 'openSUSE', 'Photon OS', 'Red Hat', 'SUSE', 'Ubuntu']);

/** Distros whose OSV records name source packages (Debian `Source:`, Alpine origin). */
const SOURCE_PACKAGE_FAMILIES = new Set(['Alpine', 'Debian', 'Ubuntu']);

export interface EcosystemRef {
  /** The string as given, e.g. `Ubuntu:Pro:22.04:LTS`. */
  readonly raw: string;
  /** The part before the first `:`, e.g. `Ubuntu`. */
  readonly family: string;
  readonly distro: boolean;
  /** The normalised release of a distro ecosystem (`22.04`, `12`, `3.19`), or null. */
  readonly release: string | null;
  /** Records of this family name source packages. */
  readonly sourcePackages: boolean;
}

/**
 * Splits an OSV ecosystem string into family and normalised release.
 *
 * @example
 *   parseEcosystem('Ubuntu:Pro:22.04:LTS') // { family: 'Ubuntu', release: '22.04', distro: true, ... }
 *   parseEcosystem('Maven:https://maven.google.com') // { family: 'Maven', release: null, distro: false, ... }
 */
export function parseEcosystem(ecosystem: string): EcosystemRef {
  const colon = ecosystem.indexOf(':');
  const family = colon === -1 ? ecosystem : ecosystem.slice(0, colon);
  const rest = colon === -1 ? '' : ecosystem.slice(colon + 1);
  const distro = DISTRO_FAMILIES.has(family);
  let release: string | null = null;
  if (distro && rest !== '') {
    if (family === 'Ubuntu') {
      release = rest.split(':').filter((part) => part !== 'Pro' && part !== 'LTS').join(':');
    } else if (family === 'Alpine') {
      release = rest.replace(/^v/, '');
    } else {
      release = rest;
    }
    if (release === '') release = null;
  }
  return { raw: ecosystem, family, distro, release, sourcePackages: SOURCE_PACKAGE_FAMILIES.has(family) };
}

/**
 * Throws AppError('validation') when an instance's distro ecosystem lacks the release its records
 * are published per; returns otherwise.
 *
 * @example
 *   assertInstanceEcosystem(parseEcosystem('Debian:12')) // ok
 *   assertInstanceEcosystem(parseEcosystem('Ubuntu'))    // throws: Ecosystem "Ubuntu" names no release; ...
 */
export function assertInstanceEcosystem(ref: EcosystemRef): void {
  if (ref.distro && ref.release === null && RELEASE_REQUIRED.has(ref.family)) {
    const example = ref.family === 'Ubuntu' ? 'Ubuntu:22.04:LTS' : ref.family === 'Alpine' ? 'Alpine:v3.19' : `${ref.family}:12`;
    throw new AppError(
      'validation',
      `Ecosystem "${ref.raw}" names no release; ${ref.family} advisories are published per release, so give it, e.g. "${example}".`,
    );
  }
}

/**
 * The package name as OSV ecosystems compare it: PyPI names are PEP 503-normalised (lower case,
 * runs of `-`, `_`, `.` become one `-`); every other ecosystem compares names exactly.
 *
 * @example
 *   normalizePackageName('PyPI', 'Django_REST.framework') // 'django-rest-framework'
 */
export function normalizePackageName(family: string, name: string): string {
  if (family === 'PyPI') return name.toLowerCase().replace(/[-_.]+/g, '-');
  return name;
}

/**
 * The index key of a package: family, release (`*` for release-less distro records, empty for
 * language ecosystems) and normalised name, NUL-separated.
 *
 * @example
 *   packageKey(parseEcosystem('Ubuntu:Pro:22.04:LTS'), 'openssl') === packageKey(parseEcosystem('Ubuntu:22.04:LTS'), 'openssl') // true
 */
export function packageKey(ref: EcosystemRef, name: string, release: string | null = ref.release): string {
  return `${ref.family}\u0000${ref.distro ? (release ?? '*') : ''}\u0000${normalizePackageName(ref.family, name)}`;
}
