import { describe, expect, it } from 'vitest';
import { BUILTIN_RUNBOOKS } from './builtin.js';
import { parseRunbook } from './parse.js';
import type { CheckStep, PatchStep, Runbook, WaitStep } from './runbook.js';
import { renderStep, renderTemplate, templateReferences, validateParameters, waitSeconds } from './template.js';

const vars = { parameters: { url: 'http://app:8080/health', n: 3, flag: true }, steps: { scan: { missing: 4, counts: { failed: 0 } } } };

function runbook(text: string): Runbook {
  const r = parseRunbook(text);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.runbook;
}

describe('templates', () => {
  it('renders parameters (bare and qualified) and step outputs, also nested', () => {
    expect(renderTemplate('GET {{ url }} x{{parameters.n}} {{ flag }}', vars)).toBe('GET http://app:8080/health x3 true');
    expect(renderTemplate('{{ steps.scan.missing }} / {{ steps.scan.counts.failed }} / {{ steps.scan.counts }}', vars)).toBe('4 / 0 / {"failed":0}');
    expect(renderTemplate('no templates', vars)).toBe('no templates');
  });

  it('an unknown reference throws an Error naming it', () => {
    expect(() => renderTemplate('{{ nope }}', vars)).toThrow(/no parameter "nope"/);
    expect(() => renderTemplate('{{ steps.install.x }}', vars)).toThrow(/step "install" has no outputs/);
    expect(() => renderTemplate('{{ steps.scan.other }}', vars)).toThrow(/step "scan" has no output "other"/);
    expect(() => renderTemplate('{{ a b }}', vars)).toThrow(/not understood/);
  });

  it('lists references and refuses malformed templates', () => {
    expect(templateReferences('{{ a }} {{ parameters.b }} {{ steps.s.o.p }}')).toEqual([
      { kind: 'parameter', name: 'a', text: 'a' },
      { kind: 'parameter', name: 'b', text: 'parameters.b' },
      { kind: 'step', step: 's', output: ['o', 'p'], text: 'steps.s.o.p' },
    ]);
    expect(() => templateReferences('{{ a')).toThrow(/unbalanced/);
    expect(() => templateReferences('{{ steps }}')).toThrow(/not understood/);
  });

  it('renderStep renders string fields, rebootOption and wait seconds', () => {
    const rb = runbook(`name: r
parameters:
  url: {}
  reboot: { default: NoReboot }
  pause: { type: number, default: 90 }
steps:
  - { name: i, kind: patch, operation: Install, rebootOption: "{{ reboot }}", baselineId: "{{ url }}" }
  - { name: w, kind: wait, seconds: "{{ pause }}" }
  - { name: c, kind: check, http: { url: "{{ url }}", bodyContains: "{{ steps.i.status }}" } }
`);
    const v = { parameters: { url: 'http://h/x', reboot: 'NoReboot', pause: 90 }, steps: { i: { status: 'ok' } } };
    const patch = renderStep(rb.steps[0] as PatchStep, v);
    expect(patch.rebootOption).toBe('NoReboot');
    expect(patch.baselineId).toBe('http://h/x');
    expect('rebootOptionTemplate' in patch).toBe(false);
    const wait = renderStep(rb.steps[1] as WaitStep, v);
    expect(wait).toMatchObject({ seconds: 90, timeoutSeconds: 150 });
    expect('secondsTemplate' in wait).toBe(false);
    expect(renderStep(rb.steps[2] as CheckStep, v).http).toMatchObject({ url: 'http://h/x', bodyContains: 'ok' });
    expect(() => renderStep(rb.steps[0] as PatchStep, { ...v, parameters: { ...v.parameters, reboot: 'Sometimes' } })).toThrow(/use one of RebootIfNeeded, NoReboot, Always/);
    expect(() => waitSeconds(rb.steps[1] as WaitStep, { ...v, parameters: { ...v.parameters, pause: -1 } })).toThrow(/not a whole number/);
    const { secondsTemplate: _unused, ...plain } = rb.steps[1] as WaitStep;
    expect(_unused).toBe('{{ pause }}');
    expect(waitSeconds({ ...plain, seconds: 7 }, v)).toBe(7);
  });
});

describe('validateParameters', () => {
  const rb = runbook(`name: p
parameters:
  url: { description: health URL }
  mode: { allowed: [fast, slow], default: fast }
  count: { type: number, default: 1 }
  dry: { type: boolean, default: false }
steps:
  - { name: w, kind: wait, seconds: 1 }
`);

  it('fills defaults and converts text for number and boolean parameters', () => {
    expect(validateParameters(rb, { url: 'http://x' })).toEqual({ values: { url: 'http://x', mode: 'fast', count: 1, dry: false } });
    expect(validateParameters(rb, { url: 'u', mode: 'slow', count: '5', dry: 'true' })).toEqual({ values: { url: 'u', mode: 'slow', count: 5, dry: true } });
  });

  it('refuses unknown names, missing required ones, wrong types and values not allowed', () => {
    const r = validateParameters(rb, { mode: 'medium', count: 'many', dry: 'perhaps', extra: 1 });
    expect(r).toEqual({
      errors: [
        'runbook "p" has no parameter "extra"; its parameters: url, mode, count, dry',
        'parameter "url" is required (string: health URL); give it, e.g. --param url=…',
        'parameter "mode" is "medium"; allowed: "fast", "slow"',
        'parameter "count" must be a number, not "many"',
        'parameter "dry" must be a boolean, not "perhaps"',
      ],
    });
  });

  it('the built-in patch-fleet runs with no parameters at all', () => {
    const pf = BUILTIN_RUNBOOKS[0]!.runbook;
    expect(validateParameters(pf, {})).toEqual({ values: { healthCheck: 'auto', healthUrl: '', rebootOption: 'RebootIfNeeded', bakeSeconds: 600 } });
  });
});
