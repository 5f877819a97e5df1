/** The public API of version schemes: one interface, one scheme per ecosystem family, one registry. */
export type { Comparison, SchemeName, VersionScheme } from './scheme.js';
export { apk, compareApk, isValidApk } from './apk/index.js';
export { compareDeb, deb, parseDeb, type DebVersion } from './deb/index.js';
export { pep440 } from './pep440/index.js';
export { compareEvr, parseEvr, rpm, rpmvercmp, type RpmEvr } from './rpm/index.js';
export { cargoSemver, goSemver, semver } from './semver/index.js';
export { KNOWN_ECOSYSTEMS, schemeByName, schemeForEcosystem } from './registry.js';
