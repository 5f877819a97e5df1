/** Parsers of apt and dpkg output (run with LANG=C). Pure functions, tested on real output. */

export interface DpkgRow {
  name: string;
  arch: string;
  version: string;
  sourceName: string;
  sourceVersion: string;
  /** dpkg selection: `install`, `hold`, `deinstall`, `purge`, `unknown`. */
  selection: string;
  /** dpkg status: `installed`, `half-configured`, `unpacked`, `config-files`, … */
  status: string;
  section: string;
  priority: string;
}

/** The dpkg-query format that DpkgRow is parsed from. */
export const DPKG_QUERY_FORMAT = '${Package}\\t${Architecture}\\t${Version}\\t${source:Package}\\t${source:Version}\\t${Status}\\t${Section}\\t${Priority}\\n';

/** Parses `dpkg-query -W -f DPKG_QUERY_FORMAT` output. */
export function parseDpkgQuery(text: string): DpkgRow[] {
  const rows: DpkgRow[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const [name = '', arch = '', version = '', sourceName = '', sourceVersion = '', status = '', section = '', priority = ''] = line.split('\t');
    const [selection = 'unknown', , state = 'not-installed'] = status.split(' ');
    rows.push({ name, arch, version, sourceName: sourceName || name, sourceVersion: sourceVersion || version, selection, status: state, section, priority });
  }
  return rows;
}

/** Installed for the inventory: unpacked and configured (trigger states included). */
export function isInstalled(row: DpkgRow): boolean {
  return row.version !== '' && (row.status === 'installed' || row.status === 'triggers-awaited' || row.status === 'triggers-pending');
}

/** One origin token of an `Inst` line: `Label:Version/Suite` or `Label:Suite`. */
export interface InstOrigin {
  label: string;
  version: string;
  suite: string;
}

export interface SimulatedInstall {
  /** Package name without the architecture qualifier. */
  name: string;
  /** The `:arch` qualifier apt printed (foreign architectures), else ''. */
  qualifier: string;
  /** Installed version; null for a new package. */
  installedVersion: string | null;
  candidateVersion: string;
  arch: string;
  origins: InstOrigin[];
}

export interface Simulation {
  installs: SimulatedInstall[];
  removals: string[];
  keptBack: string[];
}

function splitQualified(spec: string): { name: string; qualifier: string } {
  const i = spec.indexOf(':');
  return i < 0 ? { name: spec, qualifier: '' } : { name: spec.slice(0, i), qualifier: spec.slice(i + 1) };
}

function parseOrigins(text: string): InstOrigin[] {
  const out: InstOrigin[] = [];
  for (const token of text.split(', ')) {
    const t = token.trim();
    if (t === '') continue;
    const colon = t.lastIndexOf(':');
    const label = colon < 0 ? '' : t.slice(0, colon);
    const rest = colon < 0 ? t : t.slice(colon + 1);
    const slash = rest.indexOf('/');
    out.push(slash < 0 ? { label, version: '', suite: rest } : { label, version: rest.slice(0, slash), suite: rest.slice(slash + 1) });
  }
  return out;
}

const INST = /^Inst (\S+) (?:\[([^\]]*)\] )?\((\S+)(?: (.*?))? \[([^\]]+)\]\)/;
const REMV = /^Remv (\S+)/;

/** Parses `apt-get -s` output: Inst and Remv lines and the "kept back" list. */
export function parseSimulation(text: string): Simulation {
  const sim: Simulation = { installs: [], removals: [], keptBack: [] };
  let inKept = false;
  for (const line of text.split('\n')) {
    if (inKept) {
      if (line.startsWith('  ')) {
        sim.keptBack.push(...line.trim().split(/\s+/));
        continue;
      }
      inKept = false;
    }
    // Held or needing removals; on Ubuntu also phased updates (apt list --upgradable shows both).
    if (line.startsWith('The following packages have been kept back:') || line.startsWith('The following upgrades have been deferred due to phasing:')) {
      inKept = true;
      continue;
    }
    const inst = INST.exec(line);
    if (inst !== null) {
      const { name, qualifier } = splitQualified(inst[1] ?? '');
      sim.installs.push({
        name,
        qualifier,
        installedVersion: inst[2] ?? null,
        candidateVersion: inst[3] ?? '',
        origins: parseOrigins(inst[4] ?? ''),
        arch: inst[5] ?? '',
      });
      continue;
    }
    const remv = REMV.exec(line);
    if (remv !== null) sim.removals.push(remv[1] ?? '');
  }
  return sim;
}

/** One package source (a Packages file) from `apt-cache policy` without arguments. */
export interface PolicySource {
  /** The source as apt prints it, e.g. `http://deb.debian.org/debian bookworm/main amd64 Packages`. */
  source: string;
  /** Release fields: v (version), o (origin), a (suite), n (codename), l (label), c (component), b (arch). */
  release: Record<string, string>;
  /** The `origin` line (the site), else ''. */
  site: string;
}

/** Parses the global `apt-cache policy` output into its package sources. */
export function parsePolicySources(text: string): PolicySource[] {
  const out: PolicySource[] = [];
  let current: PolicySource | null = null;
  for (const line of text.split('\n')) {
    const src = /^ {1}(-?\d+) (.+)$/.exec(line);
    if (src !== null) {
      current = { source: (src[2] ?? '').trim(), release: {}, site: '' };
      out.push(current);
      continue;
    }
    if (current === null) continue;
    const rel = /^ +release (.*)$/.exec(line);
    if (rel !== null) {
      for (const kv of (rel[1] ?? '').split(/,(?=[a-z]=)/)) {
        const eq = kv.indexOf('=');
        if (eq > 0) current.release[kv.slice(0, eq)] = kv.slice(eq + 1);
      }
      continue;
    }
    const origin = /^ +origin (.*)$/.exec(line);
    if (origin !== null) current.site = (origin[1] ?? '').trim();
    else if (!line.startsWith('  ')) current = null;
  }
  return out;
}

/** One package of `apt-cache policy PKG…`: candidate and the sources of each version. */
export interface PackagePolicy {
  /** As printed in the header (`name` or `name:arch`). */
  spec: string;
  installed: string | null;
  candidate: string | null;
  versions: { version: string; installed: boolean; sources: string[] }[];
}

/** Parses `apt-cache policy PKG…` output. */
export function parsePackagePolicies(text: string): PackagePolicy[] {
  const out: PackagePolicy[] = [];
  let cur: PackagePolicy | null = null;
  for (const line of text.split('\n')) {
    if (line !== '' && !line.startsWith(' ') && line.endsWith(':')) {
      cur = { spec: line.slice(0, -1), installed: null, candidate: null, versions: [] };
      out.push(cur);
      continue;
    }
    if (cur === null) continue;
    const field = /^ {2}(Installed|Candidate): (.*)$/.exec(line);
    if (field !== null) {
      const v = (field[2] ?? '').trim();
      const value = v === '(none)' ? null : v;
      if (field[1] === 'Installed') cur.installed = value;
      else cur.candidate = value;
      continue;
    }
    const ver = /^ (\*\*\*| {3}) (\S+) (-?\d+)$/.exec(line);
    if (ver !== null) {
      cur.versions.push({ version: ver[2] ?? '', installed: ver[1] === '***', sources: [] });
      continue;
    }
    const src = /^ {8}(-?\d+) (.+)$/.exec(line);
    const last = cur.versions[cur.versions.length - 1];
    if (src !== null && last !== undefined) last.sources.push((src[2] ?? '').trim());
  }
  return out;
}

/** The site of a source line: the origin line, else the URI's host, `local` for file: and the dpkg status. */
export function siteOf(source: PolicySource | undefined, sourceText: string): string {
  if (source !== undefined && source.site !== '') return source.site;
  const m = /^[a-z+]+:\/\/([^/\s]+)/.exec(sourceText);
  return m?.[1] ?? 'local';
}
