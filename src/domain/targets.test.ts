import { describe, expect, it } from 'vitest';
import { matchesTagFilters, parseRateLimit, planDispatch, resolveRateLimit, type DispatchState, type RateLimit, type TagFilter } from './targets.js';

describe('matchesTagFilters', () => {
  const tags = { Environment: 'prod', Role: 'web', PatchGroup: 'web-prod' };
  const table: [string, TagFilter[], boolean][] = [
    ['no filters', [], true],
    ['one value', [{ key: 'Environment', values: ['prod'] }], true],
    ['OR values', [{ key: 'Environment', values: ['staging', 'prod'] }], true],
    ['wrong value', [{ key: 'Environment', values: ['staging'] }], false],
    ['values are case-sensitive', [{ key: 'Environment', values: ['Prod'] }], false],
    ['keys are case-sensitive', [{ key: 'environment', values: ['prod'] }], false],
    ['* needs the key', [{ key: 'Owner', values: ['*'] }], false],
    ['* with the key', [{ key: 'Role', values: ['*'] }], true],
    ['AND filters', [{ key: 'Environment', values: ['prod'] }, { key: 'Role', values: ['db'] }], false],
    ['AND filters both', [{ key: 'Environment', values: ['prod'] }, { key: 'Role', values: ['web'] }], true],
  ];
  it.each(table)('%s', (_name, filters, want) => expect(matchesTagFilters(tags, filters)).toBe(want));
});

describe('parseRateLimit and resolveRateLimit', () => {
  const parse: [string, RateLimit | null][] = [
    ['10', { kind: 'count', value: 10 }],
    ['0', { kind: 'count', value: 0 }],
    [' 25% ', { kind: 'percent', value: 25 }],
    ['100%', { kind: 'percent', value: 100 }],
    ['101%', null],
    ['-1', null],
    ['1.5', null],
    ['ten', null],
    ['', null],
    ['12345678', null],
  ];
  it.each(parse)('parseRateLimit(%j)', (text, want) => expect(parseRateLimit(text)).toEqual(want));

  const resolve: [RateLimit, number, 'concurrency' | 'errors', number][] = [
    [{ kind: 'count', value: 10 }, 3, 'concurrency', 10],
    [{ kind: 'count', value: 0 }, 3, 'concurrency', 1],
    [{ kind: 'count', value: 0 }, 3, 'errors', 0],
    [{ kind: 'percent', value: 10 }, 50, 'errors', 5],
    [{ kind: 'percent', value: 10 }, 55, 'errors', 5],
    [{ kind: 'percent', value: 10 }, 55, 'concurrency', 6],
    [{ kind: 'percent', value: 1 }, 10, 'concurrency', 1],
    [{ kind: 'percent', value: 1 }, 10, 'errors', 0],
    [{ kind: 'percent', value: 100 }, 7, 'concurrency', 7],
    [{ kind: 'percent', value: 25 }, 0, 'concurrency', 1],
  ];
  it.each(resolve)('resolveRateLimit(%j, %i, %s) = %i', (limit, total, use, want) => expect(resolveRateLimit(limit, total, use)).toBe(want));
});

describe('planDispatch', () => {
  const s = (over: Partial<DispatchState>): DispatchState => ({ inFlight: 0, queued: 10, failed: 0, maxConcurrency: 3, maxErrors: 0, ...over });
  const table: [string, DispatchState, { release: number; stop: boolean }][] = [
    ['start: up to maxConcurrency', s({}), { release: 3, stop: false }],
    ['full', s({ inFlight: 3 }), { release: 0, stop: false }],
    ['one slot', s({ inFlight: 2 }), { release: 1, stop: false }],
    ['fewer queued than slots', s({ queued: 1 }), { release: 1, stop: false }],
    ['nothing queued', s({ queued: 0 }), { release: 0, stop: false }],
    ['maxErrors 0 stops at the first failure', s({ failed: 1 }), { release: 0, stop: true }],
    ['maxErrors 3: 3 failures go on', s({ failed: 3, maxErrors: 3 }), { release: 3, stop: false }],
    ['maxErrors 3: the 4th failure stops', s({ failed: 4, maxErrors: 3 }), { release: 0, stop: true }],
    ['over the threshold with nothing queued', s({ failed: 4, maxErrors: 3, queued: 0 }), { release: 0, stop: false }],
    ['in flight over the limit (limit lowered)', s({ inFlight: 5 }), { release: 0, stop: false }],
  ];
  it.each(table)('%s', (_name, state, want) => expect(planDispatch(state)).toEqual(want));
});
