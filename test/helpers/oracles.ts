/**
 * The real tools as test oracles for the version schemes, each run ONCE per batch of pairs:
 *
 * - `dpkgCompareBatch`: dpkg's C implementation, `dpkg --compare-versions` (one process per pair
 *   inside one shell, about 2 ms a pair: use it for samples of hundreds);
 * - `perlDpkgCompareBatch`: dpkg's Perl implementation, Dpkg::Version (libdpkg-perl), one process
 *   for any number of pairs (about 25 µs a pair). It accepts only strictly valid versions, and it
 *   compares digit runs as Perl numbers: exact below 2^64, not beyond (the C one is exact always);
 * - `rpmCompareBatch`: rpm's own `rpm.vercmp` (rpmverCmp on full EVRs) in rpm's embedded Lua, one
 *   `rpm --eval` for any number of pairs (about 1 µs a pair).
 *
 * Results are -1, 0, 1, or 'error' where the tool refused an input. The availability flags feed
 * `requireComponent`, so a missing tool skips its tests with a message naming it (fails under CI).
 */
import { spawn, spawnSync } from 'node:child_process';

export type OracleResult = -1 | 0 | 1 | 'error';
export type Pair = readonly [string, string];

function succeeds(command: string, args: string[]): boolean {
  const r = spawnSync(command, args, { stdio: 'ignore' });
  return r.error === undefined && r.status === 0;
}

/** `dpkg` is on PATH. */
export const dpkgAvailable = succeeds('dpkg', ['--compare-versions', '1', 'lt', '2']);
/** Perl with dpkg's Dpkg::Version module (Debian package libdpkg-perl). */
export const perlDpkgAvailable = succeeds('perl', ['-MDpkg::Version', '-e', '1']);
/** `rpm` with its embedded Lua and `rpm.vercmp` (rpm >= 4.16). */
export const rpmAvailable = succeeds('rpm', ['--eval', '%{lua: assert(rpm.vercmp("1", "2") == -1)}']);

/** One version per line; versions must be non-empty without whitespace (every scheme here forbids it). */
function toLines(versions: readonly string[]): string {
  for (const v of versions) {
    if (v === '' || /\s/.test(v)) throw new Error(`oracle input ${JSON.stringify(v)} is empty or has whitespace`);
  }
  return versions.join('\n') + '\n';
}

/** Pairs as lines `a b`. */
function pairLines(pairs: readonly Pair[]): string {
  toLines(pairs.flat());
  return pairs.map(([a, b]) => `${a} ${b}`).join('\n') + '\n';
}

function parseResults(stdout: string, expected: number, tool: string): OracleResult[] {
  const lines = stdout.split('\n').filter((l) => l !== '');
  if (lines.length !== expected) throw new Error(`${tool} answered ${lines.length} lines for ${expected} inputs`);
  return lines.map((l) => {
    if (l === '-1') return -1;
    if (l === '0') return 0;
    if (l === '1') return 1;
    if (l === 'E') return 'error';
    throw new Error(`${tool} answered ${JSON.stringify(l)}`);
  });
}

function run(command: string, args: string[], input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else reject(new Error(`${command} exited with ${code}: ${Buffer.concat(err).toString('utf8').slice(0, 2000)}`));
    });
    child.stdin.end(input);
  });
}

// One shell reads `a b` lines and asks dpkg (C) about each pair: exit 0 = true, 1 = false, 2 = error.
// `--` lets versions start with "-" (dpkg would read them as options).
const DPKG_COMPARE_SCRIPT = `
while read -r a b; do
  dpkg --compare-versions -- "$a" lt "$b" 2>/dev/null; r=$?
  if [ $r -eq 0 ]; then echo -1
  elif [ $r -eq 1 ]; then
    dpkg --compare-versions -- "$a" eq "$b" 2>/dev/null; r=$?
    if [ $r -eq 0 ]; then echo 0; elif [ $r -eq 1 ]; then echo 1; else echo E; fi
  else echo E; fi
done`;

// Validity as dpkg --compare-versions decides it: errors refuse, warnings accept.
const DPKG_VALID_SCRIPT = `
while read -r v; do
  if dpkg --compare-versions -- "$v" eq "$v" 2>/dev/null; then echo 1; else echo 0; fi
done`;

/** Splits `items` into `parts` chunks run concurrently (the machine has 2 cores). */
async function inChunks<T>(items: readonly T[], parts: number, runChunk: (chunk: readonly T[]) => Promise<OracleResult[]>): Promise<OracleResult[]> {
  const size = Math.ceil(items.length / parts);
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return (await Promise.all(chunks.map(runChunk))).flat();
}

/** dpkg's C `dpkg --compare-versions` on each pair: -1 (a < b), 0, 1, or 'error'. */
export async function dpkgCompareBatch(pairs: readonly Pair[]): Promise<OracleResult[]> {
  return inChunks(pairs, 2, async (chunk) =>
    parseResults(await run('sh', ['-c', DPKG_COMPARE_SCRIPT], pairLines(chunk)), chunk.length, 'dpkg --compare-versions'),
  );
}

/** Whether dpkg's C parser accepts each version (warnings accept): 1 accepted, 0 refused. */
export async function dpkgValidBatch(versions: readonly string[]): Promise<boolean[]> {
  const results = await inChunks(versions, 2, async (chunk) =>
    parseResults(await run('sh', ['-c', DPKG_VALID_SCRIPT], toLines(chunk)), chunk.length, 'dpkg --compare-versions'),
  );
  return results.map((r) => r === 1);
}

const PERL_SCRIPT = `
use Dpkg::Version;
while (my $line = <STDIN>) {
  chomp $line;
  my ($a, $b) = split / /, $line;
  my $r = eval { version_compare($a, $b) };
  print defined $r ? "$r\\n" : "E\\n";
}`;

/** dpkg's Perl Dpkg::Version::version_compare on each pair (one perl process). */
export async function perlDpkgCompareBatch(pairs: readonly Pair[]): Promise<OracleResult[]> {
  const out = await run('perl', ['-e', PERL_SCRIPT], pairLines(pairs));
  return parseResults(out, pairs.length, 'perl Dpkg::Version');
}

// rpm's Lua print() writes into the macro expansion without newlines; io.stdout writes directly.
const RPM_LUA = `%{lua:
for line in io.lines() do
  local a, b = line:match("^(%S+) (%S+)$")
  local ok, r = pcall(rpm.vercmp, a, b)
  io.stdout:write(ok and tostring(r) or "E", "\\n")
end
}`;

/** rpm's own `rpm.vercmp(a, b)` (rpmverCmp on EVRs) on each pair, in one `rpm --eval`. */
export async function rpmCompareBatch(pairs: readonly Pair[]): Promise<OracleResult[]> {
  const out = await run('rpm', ['--eval', RPM_LUA], pairLines(pairs));
  return parseResults(out, pairs.length, 'rpm.vercmp');
}

/** A deterministic pseudo-random generator (mulberry32): the same seed gives the same pairs. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Picks one element of `items` with `rand`. */
export function pick<T>(rand: () => number, items: readonly T[]): T {
  const item = items[Math.floor(rand() * items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

/** Formats disagreements for an assertion message (the first `limit`). */
export function describeDisagreements(pairs: readonly Pair[], ours: readonly OracleResult[], theirs: readonly OracleResult[], tool: string, limit = 20): string[] {
  const lines: string[] = [];
  for (let i = 0; i < pairs.length && lines.length < limit; i++) {
    if (ours[i] !== theirs[i]) {
      const [a, b] = pairs[i]!;
      lines.push(`${JSON.stringify(a)} vs ${JSON.stringify(b)}: ours ${String(ours[i])}, ${tool} ${String(theirs[i])}`);
    }
  }
  return lines;
}
