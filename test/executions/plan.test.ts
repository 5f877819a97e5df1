/** The node plan of an execution (pure): canary, waves of the rest, step outcomes. */
import { describe, expect, it } from 'vitest';
import { nodesOf, outcomeOf, waveCount } from '../../src/server/automation/engine.js';

const plan = (n: number, canary: number, waveSize: number) => ({
  plan: { nodes: Array.from({ length: n }, (_, i) => ({ accountId: i < 3 ? 'a1' : 'a2', nodeId: `n${i}` })), canary, waveSize },
});

describe('execution plan', () => {
  it('the canary is the first nodes; the rest in waves of waveSize, the last one shorter', () => {
    const e = plan(8, 1, 3);
    expect(nodesOf(e, 'canary', 0).map((n) => n.nodeId)).toEqual(['n0']);
    expect(waveCount(e)).toBe(3);
    expect(nodesOf(e, 'remaining', 1).map((n) => n.nodeId)).toEqual(['n1', 'n2', 'n3']);
    expect(nodesOf(e, 'remaining', 3).map((n) => n.nodeId)).toEqual(['n7']);
    expect(nodesOf(e, 'all', null)).toHaveLength(8);
  });

  it('no remaining nodes: no waves', () => {
    expect(waveCount(plan(1, 1, 1))).toBe(0);
    expect(nodesOf(plan(1, 1, 1), 'remaining', 1)).toEqual([]);
  });

  it('a step visit ends with its worst outcome', () => {
    expect(outcomeOf([{ status: 'Success' }, { status: 'Failed' }])).toBe('Failed');
    expect(outcomeOf([{ status: 'TimedOut' }, { status: 'Denied' }])).toBe('Denied');
    expect(outcomeOf([{ status: 'Skipped' }])).toBe('Skipped');
    expect(outcomeOf([{ status: 'Skipped' }, { status: 'Success' }])).toBe('Success');
  });
});
