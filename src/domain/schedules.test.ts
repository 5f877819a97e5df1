import { describe, expect, it } from 'vitest';
import { formatInZone, instanceOf, isValidTimeZone, jitterMs, nextStarts, openInstances, parseSchedule, type Schedule } from './schedules.js';

function sched(text: string): Schedule {
  const p = parseSchedule(text);
  if (!p.ok) throw new Error(p.error);
  return p.schedule;
}
const iso = (ds: Date[]) => ds.map((d) => d.toISOString());
const anchor = new Date('2026-01-01T00:00:00Z');
const FRI = new Date('2026-11-27T12:00:00Z'); // a Friday

describe('parseSchedule', () => {
  it.each([
    ['0 2 * * SUN', '0 0 2 * * 0 *'],
    ['30 1 * * 1-5', '0 30 1 * * 1-5 *'],
    ['cron(0 2 ? * SUN *)', '0 0 2 ? * 1 *'],
    ['cron(15 3 ? * MON-FRI *)', '0 15 3 ? * 2-6 *'],
    ['cron(0 4 1 * ? *)', '0 0 4 1 * ? *'],
  ])('%s → croner %s', (text, pattern) => {
    expect(sched(text)).toMatchObject({ kind: 'cron', pattern });
  });

  it('rates', () => {
    expect(sched('rate(12 hours)')).toMatchObject({ kind: 'rate', everyMs: 12 * 3_600_000 });
    expect(sched('rate(1 day)')).toMatchObject({ kind: 'rate', everyMs: 86_400_000 });
    expect(sched('rate(30 minutes)')).toMatchObject({ kind: 'rate', everyMs: 1_800_000 });
  });

  it.each([
    ['', /1–200 characters/],
    ['rate(5 minutes)', /at least "rate\(30 minutes\)"/],
    ['rate(0 hours)', /positive/],
    ['rate(2 weeks)', /not a rate/],
    ['0 2 * *', /needs 5 fields.*it has 4/],
    ['cron(0 2 * * *)', /needs 6 fields/],
    ['cron(0 2 1 * MON *)', /must be "\?"/],
    ['0 25 * * *', /not valid/],
    ['every sunday', /needs 5 fields/],
  ])('refuses %j with a reason', (text, message) => {
    const p = parseSchedule(text);
    expect(p.ok).toBe(false);
    if (!p.ok) expect(p.error).toMatch(message);
  });
});

describe('time zones', () => {
  it('validates IANA names', () => {
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
  });

  it('formats an instant in a zone with its offset', () => {
    expect(formatInZone(new Date('2026-11-29T01:00:00Z'), 'Europe/Berlin')).toBe('2026-11-29T02:00:00+01:00');
    expect(formatInZone(new Date('2026-07-05T01:00:00Z'), 'Europe/Berlin')).toBe('2026-07-05T03:00:00+02:00');
    expect(formatInZone(new Date('2026-07-05T01:00:00Z'), 'UTC')).toBe('2026-07-05T01:00:00+00:00');
  });
});

describe('nextStarts', () => {
  it('cron in a zone, across a DST change (Europe/Berlin: 02:00 local is 01:00Z in winter, 00:00Z in summer)', () => {
    expect(iso(nextStarts(sched('0 2 * * SUN'), 'Europe/Berlin', FRI, 2, { anchor }))).toEqual(['2026-11-29T01:00:00.000Z', '2026-12-06T01:00:00.000Z']);
    expect(iso(nextStarts(sched('0 2 * * SUN'), 'Europe/Berlin', new Date('2026-03-20T00:00:00Z'), 2, { anchor }))).toEqual(['2026-03-22T01:00:00.000Z', '2026-03-29T01:00:00.000Z']);
    expect(iso(nextStarts(sched('0 3 * * SUN'), 'Europe/Berlin', new Date('2026-03-30T00:00:00Z'), 1, { anchor }))).toEqual(['2026-04-05T01:00:00.000Z']);
  });

  it('SSM cron gives the same instants as the 5-field form', () => {
    const a = nextStarts(sched('cron(0 2 ? * SUN *)'), 'America/New_York', FRI, 3, { anchor });
    const b = nextStarts(sched('0 2 * * SUN'), 'America/New_York', FRI, 3, { anchor });
    expect(iso(a)).toEqual(iso(b));
    expect(iso(a)[0]).toBe('2026-11-29T07:00:00.000Z');
    expect(iso(nextStarts(sched('cron(0 4 L * ? *)'), 'UTC', FRI, 1, { anchor }))).toEqual(['2026-11-30T04:00:00.000Z']);
  });

  it('rates count from the anchor', () => {
    const a = new Date('2026-11-27T00:30:00Z');
    expect(iso(nextStarts(sched('rate(12 hours)'), 'UTC', FRI, 2, { anchor: a }))).toEqual(['2026-11-27T12:30:00.000Z', '2026-11-28T00:30:00.000Z']);
    expect(iso(nextStarts(sched('rate(12 hours)'), 'UTC', new Date('2026-11-26T00:00:00Z'), 1, { anchor: a }))).toEqual(['2026-11-27T00:30:00.000Z']);
  });

  it('respects startDate and endDate', () => {
    const startDate = new Date('2026-12-10T00:00:00Z');
    expect(iso(nextStarts(sched('0 2 * * SUN'), 'UTC', FRI, 1, { anchor, startDate }))).toEqual(['2026-12-13T02:00:00.000Z']);
    const endDate = new Date('2026-12-07T00:00:00Z');
    expect(iso(nextStarts(sched('0 2 * * SUN'), 'UTC', FRI, 5, { anchor, endDate }))).toEqual(['2026-11-29T02:00:00.000Z', '2026-12-06T02:00:00.000Z']);
  });
});

describe('instances and cutoff', () => {
  const s = sched('0 2 * * SUN');
  it('instanceOf: end = start + duration, cutoff = end − cutoff hours', () => {
    const i = instanceOf(new Date('2026-11-29T02:00:00Z'), 4, 1);
    expect(i.end.toISOString()).toBe('2026-11-29T06:00:00.000Z');
    expect(i.cutoff.toISOString()).toBe('2026-11-29T05:00:00.000Z');
  });

  it('openInstances: start ≤ now < cutoff', () => {
    const open = (now: string) => openInstances(s, 'UTC', new Date(now), 4, 1, { anchor }).map((i) => i.start.toISOString());
    expect(open('2026-11-29T01:59:59Z')).toEqual([]);
    expect(open('2026-11-29T02:00:00Z')).toEqual(['2026-11-29T02:00:00.000Z']);
    expect(open('2026-11-29T04:59:59Z')).toEqual(['2026-11-29T02:00:00.000Z']);
    expect(open('2026-11-29T05:00:00Z')).toEqual([]);
  });
});

describe('jitterMs', () => {
  it('is deterministic per run and task, within [0, jitter)', () => {
    expect(jitterMs('wr_a', 'wt_1', 600)).toBe(jitterMs('wr_a', 'wt_1', 600));
    const values = new Set<number>();
    for (let i = 0; i < 50; i++) {
      const v = jitterMs(`wr_${i}`, 'wt_1', 600);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(600_000);
      expect(v % 1000).toBe(0);
      values.add(v);
    }
    expect(values.size).toBeGreaterThan(30);
    expect(jitterMs('wr_a', 'wt_1', 0)).toBe(0);
  });
});
