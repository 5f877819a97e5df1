/** What a simulated `dnf install --assumeno` said it would do. */
export interface SimulatedTransaction {
  /** Packages per section (`Installing`, `Upgrading`, `Downgrading`, `Removing`, ...), by name. */
  sections: Map<string, string[]>;
  /** Packages that would leave the system: every `Removing…` section and every `replacing` (obsoleted) line. */
  removed: string[];
  /** Arguments dnf found no package for (`No match for argument: X`). */
  noMatch: string[];
  /** Arguments whose matches were all hidden by excludes (`excludepkgs`, `--exclude`). */
  excluded: string[];
}

const SECTION = /^([A-Z][A-Za-z ]*):$/;

/** `dnf check --duplicates` lines: `NEVRA is a duplicate with NEVRA` → the package names. */
export function parseDuplicates(output: string): string[] {
  const names = new Set<string>();
  for (const line of output.split('\n')) {
    const m = /^(\S+) is a duplicate with (\S+)$/.exec(line.trim());
    const name = m === null ? null : /^(.+)-[^-]+-[^-]+$/.exec(m[1]!)?.[1];
    if (name !== undefined && name !== null) names.add(name);
  }
  return [...names].sort();
}

/**
 * Parses the transaction table dnf prints before asking for confirmation (and the per-argument
 * notes before it). Rows start with one space and the package name; a `replacing NAME.ARCH EVR`
 * line under a row is an obsoleted package, which the transaction removes.
 */
export function parseTransaction(output: string): SimulatedTransaction {
  const sections = new Map<string, string[]>();
  const removed = new Set<string>();
  const noMatch: string[] = [];
  const excluded: string[] = [];
  let section: string | null = null;
  let row: string | null = null;
  for (const line of output.split('\n')) {
    let m = /^No match for argument: (.+)$/.exec(line.trim());
    if (m !== null) {
      noMatch.push(m[1]!.trim());
      continue;
    }
    m = /^All matches were filtered out by exclude filtering for argument: (.+)$/.exec(line.trim());
    if (m !== null) {
      excluded.push(m[1]!.trim());
      continue;
    }
    if (line.startsWith('Transaction Summary') || line.startsWith('Total')) {
      section = null;
      continue;
    }
    m = SECTION.exec(line);
    if (m !== null) {
      section = m[1]!;
      if (!sections.has(section)) sections.set(section, []);
      continue;
    }
    if (section === null) continue;
    m = /^\s+replacing\s+(\S+)/.exec(line);
    if (m !== null) {
      const nameArch = m[1]!;
      const dot = nameArch.lastIndexOf('.');
      const name = dot > 0 ? nameArch.slice(0, dot) : nameArch;
      // Replacing another version of the row's own package (a duplicate) removes no package.
      if (name !== row) removed.add(name);
      continue;
    }
    m = /^ (\S+)/.exec(line);
    if (m !== null) {
      row = m[1]!;
      sections.get(section)!.push(m[1]!);
      if (section.startsWith('Removing')) removed.add(m[1]!);
    }
  }
  return { sections, removed: [...removed].sort(), noMatch, excluded };
}
