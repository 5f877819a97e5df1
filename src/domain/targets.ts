/**
 * Targets and rate control of commands (shared/reference/aws-ssm-patch-manager.md §7.4). Pure.
 */

/** One tag filter: the key, and values OR-ed (`*` = any value, the key must exist). Filters are AND-ed. */
export interface TagFilter {
  key: string;
  values: string[];
}

/** Whether a node with these tags matches every filter. An empty filter list matches every node. */
export function matchesTagFilters(tags: Readonly<Record<string, string>>, filters: readonly TagFilter[]): boolean {
  return filters.every((f) => {
    const v = tags[f.key];
    if (v === undefined) return false;
    return f.values.some((want) => want === '*' || want === v);
  });
}

/** A rate limit as given: `10` (nodes) or `25%` (of the targets). */
export type RateLimit = { kind: 'count'; value: number } | { kind: 'percent'; value: number };

/** Parses `maxConcurrency`/`maxErrors` text: a whole number ≥ 0 or a percentage 0–100 (`25%`); null when malformed. */
export function parseRateLimit(text: string): RateLimit | null {
  const m = /^\s*(\d{1,7})\s*(%?)\s*$/.exec(text);
  if (m === null) return null;
  const value = Number(m[1]);
  if (m[2] === '%') return value > 100 ? null : { kind: 'percent', value };
  return { kind: 'count', value };
}

/** A limit as a number of nodes for `total` targets: percentages of concurrency round up (at least 1), of errors round down. */
export function resolveRateLimit(limit: RateLimit, total: number, use: 'concurrency' | 'errors'): number {
  if (limit.kind === 'count') return use === 'concurrency' ? Math.max(1, limit.value) : limit.value;
  const exact = (limit.value * total) / 100;
  return use === 'concurrency' ? Math.max(1, Math.ceil(exact)) : Math.floor(exact);
}

export interface DispatchState {
  /** Invocations released to agents and not ended (Pending-released or InProgress). */
  inFlight: number;
  /** Invocations waiting to be released. */
  queued: number;
  /** Ended Failed, TimedOut or Undeliverable. */
  failed: number;
  maxConcurrency: number;
  maxErrors: number;
}

/**
 * What to do next: release up to `release` queued invocations, or `stop` (failures exceeded
 * maxErrors: the queued ones end Cancelled, in-flight ones finish). `maxErrors` 3 stops at the 4th failure.
 */
export function planDispatch(s: DispatchState): { release: number; stop: boolean } {
  if (s.failed > s.maxErrors) return { release: 0, stop: s.queued > 0 };
  return { release: Math.max(0, Math.min(s.queued, s.maxConcurrency - s.inFlight)), stop: false };
}
