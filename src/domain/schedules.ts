import { Cron } from 'croner';

/**
 * Schedules of maintenance windows and patch policies: when instances start, how long they last,
 * when their cutoff is, and a deterministic jitter per run. Pure: no IO; times are `Date`s (UTC
 * instants), cron fields are read in the schedule's IANA time zone.
 *
 * Accepted forms:
 * - a 5-field cron `m h dom mon dow` (Sunday 0 or 7, names `SUN`…; `?` as `*`), e.g. `0 2 * * SUN`;
 * - an SSM-style `cron(m h dom mon dow year)` (6 fields, day-of-week 1–7 with SUN=1, `?`, `L`, `#`),
 *   e.g. `cron(0 2 ? * SUN *)`, converted to the same cron;
 * - `rate(N minutes|hours|days)` (N ≥ 1; minutes ≥ 30): every N units from the anchor (the window's
 *   start date, else its creation time).
 */
export type Schedule =
  | { kind: 'cron'; /** The expression as given. */ expression: string; /** What croner reads (7 fields: s m h dom mon dow year). */ pattern: string; ssm: boolean }
  | { kind: 'rate'; expression: string; everyMs: number };

export type ScheduleParse = { ok: true; schedule: Schedule } | { ok: false; error: string };

const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
const DOW_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const HELP = 'use a 5-field cron such as "0 2 * * SUN", an SSM cron such as "cron(0 2 ? * SUN *)", or "rate(12 hours)"';

/** Names of weekdays → numbers: standard cron Sunday=0, SSM (Quartz) Sunday=1. */
function weekdaysToNumbers(field: string, ssm: boolean): string {
  return field.toUpperCase().replace(/[A-Z]{3}/g, (name) => {
    const i = DOW_NAMES.indexOf(name);
    return i < 0 ? name : String(ssm ? i + 1 : i);
  });
}

/**
 * Parses a schedule expression; the error says what was wrong and what to write instead.
 *
 * @example
 *   parseSchedule('cron(0 2 ? * SUN *)') // { ok: true, schedule: { kind: 'cron', pattern: '0 0 2 ? * 1 *', ssm: true, … } }
 *   parseSchedule('rate(12 hours)')      // { ok: true, schedule: { kind: 'rate', everyMs: 43200000, … } }
 */
export function parseSchedule(text: string): ScheduleParse {
  const expression = text.trim();
  if (expression.length === 0 || expression.length > 200) return { ok: false, error: `schedule must be 1–200 characters; ${HELP}` };
  const rate = /^rate\(\s*(\d{1,6})\s+(minute|minutes|hour|hours|day|days)\s*\)$/i.exec(expression);
  if (rate !== null) {
    const n = Number(rate[1]);
    const unit = rate[2]!.toLowerCase().replace(/s$/, '');
    if (n < 1) return { ok: false, error: `rate "${expression}" needs a positive number; e.g. "rate(12 hours)"` };
    const everyMs = n * UNIT_MS[unit]!;
    if (everyMs < 30 * 60_000) return { ok: false, error: `rate "${expression}" is more often than every 30 minutes; maintenance windows need at least "rate(30 minutes)"` };
    if (everyMs > 365 * 86_400_000) return { ok: false, error: `rate "${expression}" is longer than a year; use a cron for rare windows` };
    return { ok: true, schedule: { kind: 'rate', expression, everyMs } };
  }
  if (/^rate\(/i.test(expression)) return { ok: false, error: `"${expression}" is not a rate; write "rate(N minutes|hours|days)", e.g. "rate(12 hours)"` };
  let pattern: string;
  let ssm = false;
  const ssmMatch = /^cron\((.*)\)$/i.exec(expression);
  if (ssmMatch !== null) {
    const fields = ssmMatch[1]!.trim().split(/\s+/);
    if (fields.length !== 6) return { ok: false, error: `SSM cron "${expression}" needs 6 fields (minutes hours day-of-month month day-of-week year), it has ${fields.length}; e.g. "cron(0 2 ? * SUN *)"` };
    const [m, h, dom, mon, dow, year] = fields as [string, string, string, string, string, string];
    if (dom !== '?' && dow !== '?') return { ok: false, error: `SSM cron "${expression}": one of day-of-month and day-of-week must be "?"; e.g. "cron(0 2 ? * SUN *)"` };
    pattern = `0 ${m} ${h} ${dom} ${mon.toUpperCase()} ${weekdaysToNumbers(dow, true)} ${year}`;
    ssm = true;
  } else {
    const fields = expression.split(/\s+/);
    if (fields.length !== 5) return { ok: false, error: `cron "${expression}" needs 5 fields (minute hour day-of-month month day-of-week), it has ${fields.length}; ${HELP}` };
    const [m, h, dom, mon, dow] = fields as [string, string, string, string, string];
    pattern = `0 ${m} ${h} ${dom} ${mon.toUpperCase()} ${weekdaysToNumbers(dow, false)} *`;
  }
  try {
    cronOf(pattern, ssm, 'UTC');
  } catch (err) {
    return { ok: false, error: `cron "${expression}" is not valid (${(err as Error).message.replace(/^CronPattern: /, '')}); ${HELP}` };
  }
  return { ok: true, schedule: { kind: 'cron', expression, pattern, ssm } };
}

function cronOf(pattern: string, ssm: boolean, timezone: string): Cron {
  return new Cron(pattern, { paused: true, timezone, mode: '7-part', alternativeWeekdays: ssm, domAndDow: false });
}

/** True when `zone` is an IANA time zone this runtime knows (`Europe/Berlin`, `UTC`). */
export function isValidTimeZone(zone: string): boolean {
  if (zone.length === 0 || zone.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Where instances may fall: not before `startDate`, not after `endDate`; `anchor` is where rates count from. */
export interface ScheduleBounds {
  startDate?: Date | null | undefined;
  endDate?: Date | null | undefined;
  anchor: Date;
}

/**
 * The first `count` instance starts strictly after `after` (within the bounds), in time order.
 *
 * @example
 *   nextStarts(parseSchedule('0 2 * * SUN').schedule, 'Europe/Berlin', new Date('2026-11-27T00:00:00Z'), 1, { anchor })
 *   // [2026-11-29T01:00:00.000Z]
 */
export function nextStarts(schedule: Schedule, timezone: string, after: Date, count: number, bounds: ScheduleBounds): Date[] {
  const out: Date[] = [];
  const from = bounds.startDate !== undefined && bounds.startDate !== null && bounds.startDate.getTime() > after.getTime() ? new Date(bounds.startDate.getTime() - 1) : after;
  const end = bounds.endDate?.getTime() ?? Number.POSITIVE_INFINITY;
  if (schedule.kind === 'rate') {
    const anchor = bounds.anchor.getTime();
    let k = Math.max(0, Math.floor((from.getTime() - anchor) / schedule.everyMs) + 1);
    while (out.length < count) {
      const t = anchor + k * schedule.everyMs;
      if (t > end) break;
      if (t > from.getTime()) out.push(new Date(t));
      k++;
    }
    return out;
  }
  const cron = cronOf(schedule.pattern, schedule.ssm, timezone);
  let prev = from;
  while (out.length < count) {
    const next = cron.nextRun(prev);
    if (next === null || next.getTime() > end) break;
    out.push(next);
    prev = next;
  }
  return out;
}

/** One instance of a window: when it starts, when no new task may start (cutoff), when it ends. */
export interface WindowInstance {
  start: Date;
  cutoff: Date;
  end: Date;
}

/** The instance bounds of a start: end = start + duration, cutoff = end − cutoff hours. */
export function instanceOf(start: Date, durationHours: number, cutoffHours: number): WindowInstance {
  const end = new Date(start.getTime() + durationHours * 3_600_000);
  return { start, end, cutoff: new Date(end.getTime() - cutoffHours * 3_600_000) };
}

/**
 * The instances open for new tasks at `now`: start ≤ now < cutoff (at most a few: instances of a
 * frequent schedule may overlap), oldest first.
 */
export function openInstances(schedule: Schedule, timezone: string, now: Date, durationHours: number, cutoffHours: number, bounds: ScheduleBounds): WindowInstance[] {
  const since = new Date(now.getTime() - durationHours * 3_600_000);
  return nextStarts(schedule, timezone, since, 50, { ...bounds, endDate: minDate(bounds.endDate, now) })
    .map((s) => instanceOf(s, durationHours, cutoffHours))
    .filter((i) => i.start.getTime() <= now.getTime() && now.getTime() < i.cutoff.getTime());
}

function minDate(a: Date | null | undefined, b: Date): Date {
  return a === undefined || a === null || a.getTime() > b.getTime() ? b : a;
}

/**
 * A deterministic delay in [0, jitterSeconds) seconds for one task of one run: the same run and
 * task always get the same delay (a restarted job does not reshuffle), different runs spread out.
 *
 * @example
 *   jitterMs('wr_abc', 'wt_1', 600) // e.g. 417000, always the same for these ids
 */
export function jitterMs(runId: string, taskId: string, jitterSeconds: number): number {
  if (jitterSeconds <= 0) return 0;
  let h = 0x811c9dc5;
  for (const ch of `${runId}\u0000${taskId}`) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return (h % jitterSeconds) * 1000;
}

/** `2026-11-29T02:00:00+01:00`: the instant in the zone's local time with its offset. */
export function formatInZone(date: Date, timezone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: timezone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'longOffset',
  }).formatToParts(date);
  const p = (type: string) => parts.find((x) => x.type === type)?.value ?? '';
  const offset = p('timeZoneName').replace(/^GMT/, '') || '+00:00';
  return `${p('year')}-${p('month')}-${p('day')}T${p('hour')}:${p('minute')}:${p('second')}${offset}`;
}
