import { execFileSync } from 'node:child_process';
import { apk, deb, pep440, rpm, semver, type VersionScheme } from '../src/versioning/index.js';
import type { Benchmark } from './run.js';

/** Deterministic pseudo-random numbers (mulberry32), so every run compares the same pairs. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;

/** Realistic Debian versions: epochs, upstream with dots and letters, ~ pre-releases, +deb/+esm revisions. */
function debVersions(n: number): string[] {
  const r = rng(42);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const epoch = r() < 0.15 ? `${Math.floor(r() * 3)}:` : '';
    const upstream = `${Math.floor(r() * 12)}.${Math.floor(r() * 40)}${r() < 0.6 ? `.${Math.floor(r() * 20)}` : ''}${r() < 0.1 ? pick(r, ['~rc1', '~beta2', 'a', '+dfsg', '+ds1']) : ''}`;
    const revision = r() < 0.9 ? `-${Math.floor(r() * 5)}${pick(r, ['', '', '+deb12u1', '+deb12u3', 'ubuntu0.22.04.1', '~bpo12+1', '+esm1'])}` : '';
    out.push(`${epoch}${upstream}${revision}`);
  }
  return out;
}

function measure(label: string, scheme: VersionScheme, versions: string[], pairs: number): void {
  const n = versions.length;
  let sink = 0;
  for (let i = 0; i < 100_000; i++) sink += scheme.compare(versions[i % n] as string, versions[(i * 7 + 3) % n] as string); // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < pairs; i++) sink += scheme.compare(versions[i % n] as string, versions[(i * 7 + 3) % n] as string);
  const s = Number(process.hrtime.bigint() - start) / 1e9;
  process.stdout.write(`  ${label.padEnd(52)} ${(pairs / s / 1e6).toFixed(2).padStart(7)} M/s  (${pairs.toLocaleString('en')} pairs in ${s.toFixed(2)} s; checksum ${sink})\n`);
}

function referenceStringCompare(versions: string[], pairs: number): void {
  const n = versions.length;
  let sink = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < pairs; i++) {
    const a = versions[i % n] as string;
    const b = versions[(i * 7 + 3) % n] as string;
    sink += a < b ? -1 : a > b ? 1 : 0;
  }
  const s = Number(process.hrtime.bigint() - start) / 1e9;
  process.stdout.write(`  ${'reference: plain JS string comparison (wrong, the floor)'.padEnd(52)} ${(pairs / s / 1e6).toFixed(2).padStart(7)} M/s  (checksum ${sink})\n`);
}

/** dpkg's own Perl implementation (Dpkg::Version), in one process, as the tool reference. */
function referenceDpkgPerl(versions: string[], pairs: number): void {
  const script = 'use Dpkg::Version; my @v = map { chomp; Dpkg::Version->new($_) } <STDIN>; my $n = @v; my $p = shift; my $s = 0; ' +
    'use Time::HiRes qw(time); my $t = time; for my $i (0..$p-1) { $s += Dpkg::Version::version_compare($v[$i % $n], $v[($i*7+3) % $n]); } printf "%.6f %d\\n", time - $t, $s;';
  try {
    const out = execFileSync('perl', ['-e', script, String(pairs)], { input: versions.join('\n'), encoding: 'utf8' });
    const [seconds, checksum] = out.trim().split(' ');
    let ours = 0;
    const n = versions.length;
    for (let i = 0; i < pairs; i++) ours += deb.compare(versions[i % n] as string, versions[(i * 7 + 3) % n] as string);
    const agree = Number(checksum) === ours ? 'same checksum as deb.compare' : `CHECKSUM DIFFERS: ours ${ours}, dpkg ${checksum}`;
    process.stdout.write(`  ${"reference: dpkg's Dpkg::Version (Perl), same pairs".padEnd(52)} ${(pairs / Number(seconds) / 1e6).toFixed(2).padStart(7)} M/s  (${agree})\n`);
  } catch {
    process.stdout.write('  reference: Dpkg::Version not available (apt-get install libdpkg-perl)\n');
  }
}

/** Comparisons per second of each scheme on one core (target for deb: at least 2 million/s). */
export const versioning: Benchmark = {
  name: 'versioning',
  description: 'version comparisons per second on one core (target deb >= 2 M/s)',
  async run() {
    const versions = debVersions(20_000);
    measure('deb.compare (realistic Debian versions)', deb, versions, 2_000_000);
    referenceStringCompare(versions, 2_000_000);
    referenceDpkgPerl(versions, 200_000);
    const rpmVersions = versions.map((v) => v.replace(/ubuntu|~bpo|\+esm|\+deb/g, '.el'));
    measure('rpm.compare (same shapes as EVR)', rpm, rpmVersions.filter((v) => rpm.isValid(v)), 2_000_000);
    const r = rng(7);
    const sem = Array.from({ length: 20_000 }, () => `${Math.floor(r() * 20)}.${Math.floor(r() * 30)}.${Math.floor(r() * 50)}${r() < 0.1 ? `-rc.${Math.floor(r() * 4)}` : ''}`);
    measure('semver.compare (node-semver)', semver, sem, 1_000_000);
    measure('pep440.compare', pep440, sem.map((v) => v.replace('-rc.', 'rc')), 1_000_000);
    measure('apk.compare', apk, sem.map((v) => `${v.replace('-rc.', '_rc')}-r${Math.floor(r() * 5)}`), 1_000_000);
  },
};
