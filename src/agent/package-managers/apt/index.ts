export { AptDriver, createAptDriver, type AptDriverOptions } from './apt-driver.js';
export { isSecurityOrigin } from './apt-origins.js';
export { parseChangelog, cvesSince } from './apt-changelog.js';
