import type { UpdateOrigin } from '../../../contracts/inventory.contract.js';
import { siteOf, type InstOrigin, type PolicySource } from './apt-parse.js';

/**
 * A security origin: Debian's label `Debian-Security`, or a codename or suite ending in
 * `-security` (Debian's codename `bookworm-security` whatever the suite is called —
 * `oldstable-security` since trixie —, Ubuntu's `-security` pocket, Ubuntu ESM's
 * `jammy-infra-security`). The same rule as unattended-upgrades' default origins.
 */
export function isSecurityOrigin(o: Pick<UpdateOrigin, 'label' | 'codename' | 'suite'>): boolean {
  return o.label === 'Debian-Security' || o.codename.endsWith('-security') || o.suite.endsWith('-security');
}

/** The UpdateOrigin of one package source. */
export function originOfSource(source: PolicySource | undefined, sourceText: string): UpdateOrigin {
  const r = source?.release ?? {};
  return { label: r.l ?? '', suite: r.a ?? '', codename: r.n ?? '', origin: r.o ?? '', site: siteOf(source, sourceText) };
}

/**
 * Resolves an origin token of an `Inst` line (`Label:Version/Suite`, apt prints the label, or the
 * origin when there is no label, then the release version and the suite, or the codename when
 * there is no suite) to the package source it names.
 */
export function resolveInstOrigin(token: InstOrigin, sources: readonly PolicySource[]): UpdateOrigin {
  const match = findInstSource(token, sources);
  if (match !== undefined) return originOfSource(match, match.source);
  return { label: token.label, suite: token.suite, codename: '', origin: '', site: '' };
}

/** The package source an `Inst` origin token names, if any. */
export function findInstSource(token: InstOrigin, sources: readonly PolicySource[]): PolicySource | undefined {
  return sources.find((s) => {
    const r = s.release;
    const label = r.l ?? r.o ?? '';
    const suite = r.a ?? r.n ?? '';
    return label === token.label && suite === token.suite && (token.version === '' || (r.v ?? '') === token.version);
  });
}

/** The origin reported for a candidate with several sources: the first security one, else the first. */
export function pickOrigin(origins: readonly UpdateOrigin[]): { origin: UpdateOrigin; security: boolean } {
  const sec = origins.find(isSecurityOrigin);
  const origin = sec ?? origins[0] ?? { label: '', suite: '', codename: '', origin: '', site: '' };
  return { origin, security: sec !== undefined };
}
