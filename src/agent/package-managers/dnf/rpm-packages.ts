import { AppError } from '../../../domain/errors.js';
import { InstalledPackage } from '../../../contracts/inventory.contract.js';

/** Field separator of our rpm query format (a control character no rpm tag value contains). */
const SEP = '\x1f';
const MARK = 'PW';

/** `rpm -qa --qf` format: a marker, then NAME, ARCH, EPOCH, VERSION, RELEASE, SOURCERPM. */
export const RPM_QUERY_FORMAT = [MARK, '%{NAME}', '%{ARCH}', '%{EPOCH}', '%{VERSION}', '%{RELEASE}', '%{SOURCERPM}'].join(SEP) + '\\n';

/**
 * `[epoch:]version-release` as dnf prints it: the epoch is left out when the package has none or
 * it is 0 (dnf treats both alike), so installed and candidate versions compare as equal strings.
 */
export function formatEvr(epoch: string | null | undefined, version: string, release: string): string {
  const e = epoch === null || epoch === undefined || epoch === '' || epoch === '(none)' || epoch === '0' ? '' : `${epoch}:`;
  return `${e}${version}-${release}`;
}

/** Splits `name-version-release.src.rpm` (or `.nosrc.rpm`) into name, version and release. */
export function parseSourceRpm(file: string): { name: string; version: string; release: string } | null {
  const m = /^(.+)-([^-]+)-([^-]+)\.(?:no)?src\.rpm$/.exec(file);
  if (m === null) return null;
  return { name: m[1]!, version: m[2]!, release: m[3]! };
}

/**
 * Parses the output of `rpm -qa --qf RPM_QUERY_FORMAT`. The source version carries the binary's
 * epoch (Epoch is a spec-wide tag; the SRPM file name has none). `gpg-pubkey` pseudo-packages
 * (imported signing keys, arch `(none)`) are not packages and are left out.
 */
export function parseRpmQuery(stdout: string): InstalledPackage[] {
  const out: InstalledPackage[] = [];
  for (const line of stdout.split('\n')) {
    if (line === '') continue;
    const f = line.split(SEP);
    if (f[0] !== MARK || f.length !== 7) {
      throw new AppError('internal', `Unexpected line in the rpm query output: ${JSON.stringify(line.slice(0, 200))}`);
    }
    const [, name, arch, epoch, version, release, sourceRpm] = f as [string, string, string, string, string, string, string];
    if (name === 'gpg-pubkey' && arch === '(none)') continue;
    const evr = formatEvr(epoch, version, release);
    const src = sourceRpm === '(none)' ? null : parseSourceRpm(sourceRpm);
    out.push(
      InstalledPackage.parse({
        name,
        arch: arch === '(none)' ? '' : arch,
        version: evr,
        sourceName: src?.name ?? name,
        sourceVersion: src === null ? evr : formatEvr(epoch, src.version, src.release),
      }),
    );
  }
  out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.arch < b.arch ? -1 : a.arch > b.arch ? 1 : 0));
  return out;
}
