import { describe, expect, it } from 'vitest';
import { BUILTIN_RUNBOOKS, builtinRunbook, PATCH_FLEET_YAML } from './builtin.js';
import { parseRunbook } from './parse.js';
import type { BranchStep } from './runbook.js';
import { renderStep, validateParameters } from './template.js';

describe('built-in runbooks', () => {
  it('patch-fleet: scan all → canary install → health branch/check → bake → remaining in waves', () => {
    const b = builtinRunbook('patch-fleet');
    expect(b?.id).toBe('rb-builtin-patch-fleet');
    expect(builtinRunbook('rb-builtin-patch-fleet')).toBe(b);
    const rb = b!.runbook;
    expect(rb.steps.map((s) => [s.name, s.kind])).toEqual([
      ['scan', 'patch'],
      ['installCanary', 'patch'],
      ['chooseCheck', 'branch'],
      ['health', 'check'],
      ['bake', 'wait'],
      ['installRemaining', 'patch'],
    ]);
    expect(rb.steps[0]).toMatchObject({ operation: 'Scan', nodes: 'all' });
    expect(rb.steps[1]).toMatchObject({ operation: 'Install', nodes: 'canary', snapshot: 'execution', rebootOptionTemplate: '{{ rebootOption }}' });
    expect(rb.steps[3]).toMatchObject({ http: { url: '{{ healthUrl }}', expectStatus: [200] }, retries: 3 });
    expect(rb.steps[4]).toMatchObject({ secondsTemplate: '{{ bakeSeconds }}' });
    expect(rb.steps[5]).toMatchObject({ operation: 'Install', nodes: 'remaining', snapshot: 'execution' });
    expect(rb.parameters.map((p) => p.name)).toEqual(['healthCheck', 'healthUrl', 'rebootOption', 'bakeSeconds']);
    expect(rb.waves).toEqual({ canary: '1', size: '25%', bakeSeconds: 300, maxFailedNodes: '0', maxFailedChecks: 0 });
  });

  it('its text parses to the same runbook, with lines', () => {
    const r = parseRunbook(PATCH_FLEET_YAML);
    expect(r.ok && r.runbook).toEqual(BUILTIN_RUNBOOKS[0]!.runbook);
    expect(BUILTIN_RUNBOOKS[0]!.runbook.steps.every((s) => s.line > 0)).toBe(true);
  });

  it('the health branch: none skips, http checks, auto checks only with a URL', () => {
    const rb = BUILTIN_RUNBOOKS[0]!.runbook;
    const branch = rb.steps[2] as BranchStep;
    const next = (params: Record<string, string>): string => {
      const v = validateParameters(rb, params);
      if (!('values' in v)) throw new Error(v.errors.join('; '));
      const hit = branch.choices.find((c) => 'parameter' in c.when && String(v.values[c.when.parameter]) === c.when.equals);
      return hit?.goto ?? branch.default!;
    };
    expect(next({})).toBe('bake');
    expect(next({ healthUrl: 'http://app/health' })).toBe('health');
    expect(next({ healthCheck: 'none', healthUrl: 'http://app/health' })).toBe('bake');
    expect(next({ healthCheck: 'http' })).toBe('health');
  });

  it('renders with the defaults', () => {
    const rb = BUILTIN_RUNBOOKS[0]!.runbook;
    const v = validateParameters(rb, { rebootOption: 'NoReboot' });
    if (!('values' in v)) throw new Error('invalid');
    const vars = { parameters: v.values, steps: {} };
    expect(renderStep(rb.steps[1]!, vars)).toMatchObject({ rebootOption: 'NoReboot' });
    expect(renderStep(rb.steps[4]!, vars)).toMatchObject({ seconds: 600, timeoutSeconds: 660 });
  });
});
