/**
 * Which version scheme orders the versions of an OSV ecosystem. Pure.
 *
 * An ecosystem is looked up by its family, the part before the first `:` (`Ubuntu:Pro:22.04:LTS`
 * → `Ubuntu`, `Red Hat:rhel_aus:8.4::appstream` → `Red Hat`), exactly and case-sensitively as OSV
 * writes it. An ecosystem without a scheme here is an error, never a silent fallback to another
 * order.
 */
import { AppError } from '../domain/errors.js';
import { apk } from './apk/index.js';
import { deb } from './deb/index.js';
import { pep440 } from './pep440/index.js';
import { rpm } from './rpm/index.js';
import type { SchemeName, VersionScheme } from './scheme.js';
import { cargoSemver, goSemver, semver } from './semver/index.js';

/** OSV ecosystem families (ossf/osv-schema ecosystems.json) and the scheme of their versions. */
const BY_FAMILY: ReadonlyMap<string, VersionScheme> = new Map([
  // dpkg
  ['Debian', deb],
  ['Ubuntu', deb],
  // rpm
  ['AlmaLinux', rpm],
  ['Azure Linux', rpm],
  ['Mageia', rpm],
  ['openEuler', rpm],
  ['openSUSE', rpm],
  ['Photon OS', rpm],
  ['Red Hat', rpm],
  ['Rocky Linux', rpm],
  ['SUSE', rpm],
  // apk-tools
  ['Alpaquita', apk],
  ['Alpine', apk],
  ['BellSoft Hardened Containers', apk],
  ['Chainguard', apk],
  ['Wolfi', apk],
  // language ecosystems
  ['crates.io', cargoSemver],
  ['Go', goSemver],
  ['npm', semver],
  ['PyPI', pep440],
]);

const BY_NAME: Readonly<Record<SchemeName, VersionScheme>> = { deb, rpm, apk, semver, pep440 };

/** The ecosystem families that have a version scheme, sorted. */
export const KNOWN_ECOSYSTEMS: readonly string[] = [...BY_FAMILY.keys()].sort((a, b) => a.localeCompare(b, 'en'));

/**
 * The version scheme of an OSV ecosystem (`Debian:12`, `Ubuntu:Pro:22.04:LTS`, `Alpine:v3.19`,
 * `Red Hat:rhel_aus:8.4::appstream`, `PyPI`, ...). Throws `AppError('validation')` listing the known
 * ecosystems when there is none, so a record of an unsupported ecosystem is refused, not misordered.
 *
 * @example
 *   schemeForEcosystem('Ubuntu:22.04:LTS').name // 'deb'
 *   schemeForEcosystem('Rocky Linux:9').name    // 'rpm'
 *   schemeForEcosystem('Maven')                 // throws: Unknown ecosystem "Maven": no version scheme; known: ...
 */
export function schemeForEcosystem(ecosystem: string): VersionScheme {
  const colon = ecosystem.indexOf(':');
  const family = colon < 0 ? ecosystem : ecosystem.slice(0, colon);
  const scheme = BY_FAMILY.get(family);
  if (scheme !== undefined) return scheme;
  const sameLetters = KNOWN_ECOSYSTEMS.find((known) => known.toLowerCase() === family.toLowerCase());
  const hint = sameLetters === undefined ? '' : ` (names are case-sensitive: did you mean "${sameLetters}"?)`;
  throw new AppError('validation', `Unknown ecosystem ${JSON.stringify(ecosystem)}: no version scheme${hint}; known: ${KNOWN_ECOSYSTEMS.join(', ')}`, {
    details: { ecosystem, known: KNOWN_ECOSYSTEMS },
  });
}

/**
 * The version scheme of a name (`deb`, `rpm`, `apk`, `semver` — npm's flavour —, `pep440`).
 *
 * @example
 *   schemeByName('rpm').compare('1.0-1', '1.0-2') // -1
 */
export function schemeByName(name: SchemeName): VersionScheme {
  return BY_NAME[name];
}
