import type { OsvAffected, OsvEvent, OsvRange } from './osv.schema.js';

/** Explicit affected versions listed per package at most (some records list thousands). */
export const AFFECTED_VERSIONS_MAX = 50;

/** An affected package as people read it: fixed versions, ranges in words, listed versions. */
export interface AffectedInWords {
  ecosystem: string;
  package: string;
  /** Fixed versions in the record's order (ranges other than GIT; each once). */
  fixed: string[];
  /** One line per range: `introduced 0, fixed 1.2.3` (GIT ranges name their repository first). */
  ranges: string[];
  /** Listed affected versions, at most AFFECTED_VERSIONS_MAX. */
  versions: string[];
}

/** An OSV event's value, quoted when it has spaces or separators. */
function eventValue(v: string): string {
  return /^[^\s,;"]+$/.test(v) ? v : JSON.stringify(v);
}

/** A range's events in words, `introduced 0; fixed 1.2` (`separator` between events). */
export function eventsInWords(events: readonly OsvEvent[] | readonly Record<string, unknown>[], separator = '; '): string {
  return events
    .map((event) =>
      Object.entries(event)
        .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
        .map(([k, v]) => `${k} ${eventValue(v)}`)
        .join(' '),
    )
    .join(separator);
}

function rangeInWords(range: OsvRange): string {
  const events = eventsInWords(range.events, ', ');
  return range.type === 'GIT' ? `GIT ${range.repo ?? ''}: ${events}` : events;
}

/** The affected entries of a record in words (entries without a package are left out). */
export function affectedInWords(affected: readonly OsvAffected[]): AffectedInWords[] {
  const out: AffectedInWords[] = [];
  for (const a of affected) {
    if (a.package === undefined) continue;
    const fixed: string[] = [];
    for (const range of a.ranges ?? []) {
      if (range.type === 'GIT') continue;
      for (const event of range.events) if (event.fixed !== undefined && !fixed.includes(event.fixed)) fixed.push(event.fixed);
    }
    out.push({
      ecosystem: a.package.ecosystem,
      package: a.package.name,
      fixed,
      ranges: (a.ranges ?? []).map(rangeInWords),
      versions: (a.versions ?? []).slice(0, AFFECTED_VERSIONS_MAX),
    });
  }
  return out;
}
