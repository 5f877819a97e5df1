import { describe, expect, it } from 'vitest';
import { formatPath, parseRunbook, RUNBOOK_LIMITS, type RunbookError } from './parse.js';
import type { ApproveStep, BranchStep, CheckStep, PatchStep, RunStep, WaitStep } from './runbook.js';

function ok(text: string) {
  const r = parseRunbook(text);
  if (!r.ok) throw new Error(`expected valid, got:\n${r.errors.map((e) => `${e.line}: ${e.path}: ${e.message}`).join('\n')}`);
  return r.runbook;
}

function errors(text: string): RunbookError[] {
  const r = parseRunbook(text);
  if (r.ok) throw new Error('expected errors, the runbook parsed');
  return r.errors;
}

/** The one error at `path` (fails when there is none). */
function errorAt(text: string, path: string): RunbookError {
  const all = errors(text);
  const e = all.find((x) => x.path === path);
  if (e === undefined) throw new Error(`no error at ${path}; got:\n${all.map((x) => `${x.line}: ${x.path}: ${x.message}`).join('\n')}`);
  return e;
}

const MINIMAL = `name: minimal
steps:
  - name: scan
    kind: patch
    operation: Scan
`;

describe('parseRunbook: valid runbooks and defaults', () => {
  it('fills in defaults: description, parameters, waves, nodes, reboot, snapshot, onFailure, timeouts', () => {
    const rb = ok(MINIMAL);
    expect(rb).toEqual({
      name: 'minimal',
      description: '',
      parameters: [],
      waves: { canary: '1', size: '25%', bakeSeconds: 0, maxFailedNodes: '0', maxFailedChecks: 0 },
      steps: [
        {
          name: 'scan',
          kind: 'patch',
          description: '',
          operation: 'Scan',
          nodes: 'all',
          rebootOption: 'RebootIfNeeded',
          baselineId: null,
          snapshot: 'execution',
          maxConcurrency: null,
          maxErrors: null,
          onFailure: { action: 'abort' },
          timeoutSeconds: 7200,
          line: 3,
        },
      ],
    });
  });

  it('parses every step kind with its fields, and default timeouts per kind', () => {
    const rb = ok(`name: all-kinds
description: every kind
parameters:
  url: { type: string, description: health URL }
  mode: { type: string, allowed: [fast, slow], default: fast }
  pause: { type: number, default: 30 }
  dry: { type: boolean, default: false }
waves: { canary: 10%, size: 2, bakeSeconds: 60, maxFailedNodes: 5%, maxFailedChecks: 1 }
steps:
  - name: install
    kind: patch
    operation: Install
    nodes: canary
    rebootOption: NoReboot
    snapshot: new
    maxConcurrency: 25%
    maxErrors: 1
  - name: script
    kind: run
    script: systemctl restart app
    nodes: remaining
    onFailure: continue
  - name: ok
    kind: approve
    message: "install done on {{ url }}; go on?"
    approverRoles: [admin, org-admin]
    approvers: [alice]
    minApprovals: 2
  - name: rest
    kind: wait
    seconds: 120
  - name: rest2
    kind: wait
    seconds: "{{ pause }}"
  - name: health
    kind: check
    http: { url: "{{ url }}", method: HEAD, expectStatus: [200, 204], bodyContains: ok }
    retries: 2
    intervalSeconds: 5
    onFailure: { goto: script }
  - name: local
    kind: check
    script: { script: "test -f /ok", nodes: canary, expectExitCode: 0 }
    onFailure: goto script
  - name: route
    kind: branch
    choices:
      - when: { step: health, outcome: Failed }
        goto: script
      - when: { parameter: mode, equals: slow }
        goto: rest
    default: local
`);
    expect(rb.waves).toEqual({ canary: '10%', size: '2', bakeSeconds: 60, maxFailedNodes: '5%', maxFailedChecks: 1 });
    expect(rb.parameters).toEqual([
      { name: 'url', type: 'string', description: 'health URL' },
      { name: 'mode', type: 'string', description: '', allowed: ['fast', 'slow'], default: 'fast' },
      { name: 'pause', type: 'number', description: '', default: 30 },
      { name: 'dry', type: 'boolean', description: '', default: false },
    ]);
    const [install, script, approve, rest, rest2, health, local, route] = rb.steps as [PatchStep, RunStep, ApproveStep, WaitStep, WaitStep, CheckStep, CheckStep, BranchStep];
    expect(install).toMatchObject({ operation: 'Install', nodes: 'canary', rebootOption: 'NoReboot', snapshot: 'new', maxConcurrency: '25%', maxErrors: '1', timeoutSeconds: 7200, line: 10 });
    expect(script).toMatchObject({ script: 'systemctl restart app', nodes: 'remaining', onFailure: { action: 'continue' }, timeoutSeconds: 3600 });
    expect(approve).toMatchObject({ approverRoles: ['admin', 'org-admin'], approvers: ['alice'], minApprovals: 2, timeoutSeconds: 604800 });
    expect(rest).toMatchObject({ seconds: 120, timeoutSeconds: 180 });
    expect(rest2).toMatchObject({ seconds: 0, secondsTemplate: '{{ pause }}' });
    expect(health).toMatchObject({ http: { url: '{{ url }}', method: 'HEAD', expectStatus: [200, 204], bodyContains: 'ok' }, script: null, retries: 2, intervalSeconds: 5, timeoutSeconds: 3 * 35, onFailure: { action: 'goto', step: 'script' } });
    expect(local).toMatchObject({ http: null, script: { script: 'test -f /ok', nodes: 'canary', expectExitCode: 0 }, retries: 0, intervalSeconds: 10, timeoutSeconds: 40, onFailure: { action: 'goto', step: 'script' } });
    expect(route).toMatchObject({
      choices: [
        { when: { step: 'health', outcome: 'Failed' }, goto: 'script' },
        { when: { parameter: 'mode', equals: 'slow' }, goto: 'rest' },
      ],
      default: 'local',
      timeoutSeconds: 60,
    });
  });

  it('an explicit timeout wins; approve steps may wait up to 30 days, others 7', () => {
    expect(ok(`name: t\nsteps:\n  - { name: a, kind: approve, timeoutSeconds: 2592000 }\n`).steps[0]!.timeoutSeconds).toBe(2592000);
    expect(errorAt(`name: t\nsteps:\n  - { name: a, kind: approve, timeoutSeconds: 2592001 }\n`, 'steps[0].timeoutSeconds').message).toMatch(/between 1 and 2592000/);
    expect(errorAt(`name: t\nsteps:\n  - { name: a, kind: run, script: x, timeoutSeconds: 604801 }\n`, 'steps[0].timeoutSeconds').message).toMatch(/between 1 and 604800/);
  });

  it('a templated rebootOption is kept for rendering', () => {
    const rb = ok(`name: t\nparameters:\n  r: { default: NoReboot }\nsteps:\n  - { name: a, kind: patch, operation: Install, rebootOption: "{{ r }}" }\n`);
    expect(rb.steps[0]).toMatchObject({ rebootOption: 'RebootIfNeeded', rebootOptionTemplate: '{{ r }}' });
  });
});

describe('parseRunbook: errors name the line and the field path', () => {
  it('names every error of a broken runbook, sorted by line', () => {
    const text = `name: Bad_Name
bogus: 1
parameters:
  n: { type: number, default: "x" }
waves: { canary: 1, size: "0", maxFailedNodes: 150% }
steps:
  - name: a
    kind: patch
    operation: Install
    timeoutSeconds: -5
  - name: a
    kind: check
`;
    const all = errors(text);
    expect(all.map((e) => [e.line, e.path])).toEqual([
      [1, 'name'],
      [2, 'bogus'],
      [4, 'parameters.n.default'],
      [5, 'waves.size'],
      [5, 'waves.maxFailedNodes'],
      [10, 'steps[0].timeoutSeconds'],
      [11, 'steps[1]'],
      [11, 'steps[1].name'],
    ]);
    expect(all[1]!.message).toBe('unknown key "bogus" in the runbook; allowed keys: name, description, parameters, waves, steps');
    expect(all[7]!.message).toMatch(/step name "a" is used by steps\[0\] already/);
  });

  it('YAML syntax errors carry their line', () => {
    const all = errors(`name: x\nsteps:\n  - name: a\n    kind: wait\n   seconds: 5\n`);
    expect(all[0]!.line).toBeGreaterThanOrEqual(4);
    expect(all[0]!.message).toMatch(/^YAML: /);
  });

  it('duplicate keys are refused', () => {
    const all = errors(`name: x\nname: y\nsteps:\n  - { name: a, kind: wait, seconds: 1 }\n`);
    expect(all[0]).toMatchObject({ line: 2 });
    expect(all[0]!.message).toMatch(/unique/);
  });

  it('not a map, empty, missing steps, too many steps', () => {
    expect(errors('- 1')[0]!.message).toMatch(/a runbook is a YAML map/);
    expect(errors('')[0]!.message).toMatch(/a runbook is a YAML map/);
    expect(errors('name: x\n')[0]).toMatchObject({ path: '', message: expect.stringMatching(/missing "steps"/) });
    expect(errorAt('name: x\nsteps: []\n', 'steps').message).toMatch(/at least one step/);
    const many = `name: x\nsteps:\n${Array.from({ length: RUNBOOK_LIMITS.maxSteps + 1 }, (_, i) => `  - { name: s${i}, kind: wait, seconds: 1 }`).join('\n')}\n`;
    expect(errorAt(many, 'steps').message).toMatch(/101 steps; at most 100/);
    const hundred = `name: x\nsteps:\n${Array.from({ length: RUNBOOK_LIMITS.maxSteps }, (_, i) => `  - { name: s${i}, kind: wait, seconds: 1 }`).join('\n')}\n`;
    expect(ok(hundred).steps).toHaveLength(100);
  });

  it('refuses unknown keys in steps, naming the allowed ones of the kind', () => {
    const e = errorAt(`name: x\nsteps:\n  - name: a\n    kind: wait\n    seconds: 1\n    script: ls\n`, 'steps[0].script');
    expect(e.line).toBe(6);
    expect(e.message).toBe('unknown key "script" in a wait step; allowed keys: name, kind, description, timeoutSeconds, onFailure, seconds');
  });

  it('names: runbook and step name rules', () => {
    expect(errorAt('name: -x\nsteps:\n  - { name: a, kind: wait, seconds: 1 }\n', 'name').message).toMatch(/lower-case/);
    expect(errorAt('name: x\nsteps:\n  - { name: "a b", kind: wait, seconds: 1 }\n', 'steps[0].name').message).toMatch(/letters, digits and "_"/);
    expect(errorAt('name: x\nsteps:\n  - { kind: wait, seconds: 1 }\n', 'steps[0]').message).toMatch(/missing "name"/);
    expect(errorAt('name: x\nsteps:\n  - { name: a, kind: reboot }\n', 'steps[0].kind').message).toMatch(/use one of patch, run, approve, wait, check, branch/);
  });

  it('goto and branch targets must exist and not be the step itself', () => {
    expect(errorAt('name: x\nsteps:\n  - { name: a, kind: wait, seconds: 1, onFailure: { goto: zz } }\n', 'steps[0].onFailure').message).toMatch(/"zz" is not a step of this runbook; steps: a/);
    expect(errorAt('name: x\nsteps:\n  - { name: a, kind: wait, seconds: 1, onFailure: { goto: a } }\n', 'steps[0].onFailure').message).toMatch(/must not go to itself/);
    const branch = `name: x
steps:
  - name: b
    kind: branch
    choices:
      - when: { step: b, outcome: Success }
        goto: b
    default: nowhere
`;
    const all = errors(branch);
    expect(all.find((e) => e.path === 'steps[0].choices[0].goto')).toMatchObject({ line: 7, message: expect.stringMatching(/itself/) });
    expect(all.find((e) => e.path === 'steps[0].choices[0].when.step')).toMatchObject({ line: 6, message: 'a branch cannot test its own outcome' });
    expect(all.find((e) => e.path === 'steps[0].default')).toMatchObject({ line: 8 });
    expect(errorAt('name: x\nsteps:\n  - { name: a, kind: wait, seconds: 1, onFailure: retry }\n', 'steps[0].onFailure').message).toMatch(/abort, continue or \{ goto/);
  });

  it('branch parameter conditions: declared parameters and allowed values', () => {
    const text = (eq: string) => `name: x
parameters:
  mode: { allowed: [a, b], default: a }
steps:
  - name: br
    kind: branch
    choices:
      - when: { parameter: mode, equals: ${eq} }
        goto: w
      - when: { parameter: other, equals: 1 }
        goto: w
  - { name: w, kind: wait, seconds: 1 }
`;
    const all = errors(text('c'));
    expect(all.find((e) => e.path === 'steps[0].choices[0].when.equals')?.message).toMatch(/"c" is not one of the allowed values of "mode"/);
    expect(all.find((e) => e.path === 'steps[0].choices[1].when.parameter')?.message).toMatch(/not a declared parameter/);
  });

  it('templates must name declared parameters and earlier steps', () => {
    const text = `name: x
parameters:
  url: { type: string }
steps:
  - name: first
    kind: run
    script: "echo {{ url }} {{ parameters.url }} {{ steps.later.out }} {{ nope }}"
  - name: later
    kind: run
    script: "echo {{ steps.first.output }} {{ steps.first.counts.failed }}"
  - name: bad
    kind: run
    script: "echo {{ 1 + 2 }} {{ unclosed"
`;
    const all = errors(text);
    expect(all.map((e) => [e.line, e.path, e.message])).toEqual([
      [7, 'steps[0].script', 'template {{ steps.later.out }} names step "later", which does not run before this one; only earlier steps\' outputs can be used'],
      [7, 'steps[0].script', 'template {{ nope }} names parameter "nope", which is not declared; declare it under "parameters"'],
      [13, 'steps[2].script', expect.stringMatching(/template \{\{ 1 \+ 2 \}\} is not understood/)],
    ]);
    expect(errorAt(`name: x\nsteps:\n  - { name: a, kind: run, script: "echo {{ unclosed" }\n`, 'steps[0].script').message).toMatch(/unbalanced/);
  });

  it('check steps have exactly one of http and script; URLs are http(s)', () => {
    expect(errorAt('name: x\nsteps:\n  - { name: c, kind: check }\n', 'steps[0]').message).toMatch(/needs "http" .* or "script"/);
    expect(errorAt('name: x\nsteps:\n  - { name: c, kind: check, http: { url: "http://a" }, script: ls }\n', 'steps[0]').message).toMatch(/not both/);
    expect(errorAt('name: x\nsteps:\n  - { name: c, kind: check, http: { url: "ftp://a" } }\n', 'steps[0].http.url').message).toMatch(/http:\/\/ or https:\/\//);
    expect(errorAt('name: x\nsteps:\n  - { name: c, kind: check, http: { url: "http://a", expectStatus: [700] } }\n', 'steps[0].http.expectStatus').message).toMatch(/100–599/);
    expect(ok('name: x\nsteps:\n  - { name: c, kind: check, script: "true" }\n').steps[0]).toMatchObject({ script: { script: 'true', nodes: 'all', expectExitCode: 0 } });
  });

  it('waves values must parse as counts or percentages', () => {
    expect(errorAt('name: x\nwaves: { canary: ten }\nsteps:\n  - { name: a, kind: wait, seconds: 1 }\n', 'waves.canary').message).toMatch(/count .* or a percentage/);
    expect(errorAt('name: x\nwaves: { size: 0% }\nsteps:\n  - { name: a, kind: wait, seconds: 1 }\n', 'waves.size').message).toMatch(/at least 1/);
    expect(errorAt('name: x\nwaves: { bakeSeconds: 1.5 }\nsteps:\n  - { name: a, kind: wait, seconds: 1 }\n', 'waves.bakeSeconds').message).toMatch(/whole number/);
    expect(errorAt('name: x\nwaves: { jitter: 1 }\nsteps:\n  - { name: a, kind: wait, seconds: 1 }\n', 'waves.jitter').message).toMatch(/unknown key "jitter"/);
  });

  it('parameters: types, defaults and allowed values agree', () => {
    expect(errorAt('name: x\nparameters:\n  p: { type: date }\nsteps:\n  - { name: a, kind: wait, seconds: 1 }\n', 'parameters.p.type').message).toMatch(/string, number, boolean/);
    expect(errorAt('name: x\nparameters:\n  p: { allowed: [a], default: b }\nsteps:\n  - { name: a, kind: wait, seconds: 1 }\n', 'parameters.p.default').message).toMatch(/not one of the allowed/);
    expect(errorAt('name: x\nparameters:\n  p: { type: boolean, allowed: [true] }\nsteps:\n  - { name: a, kind: wait, seconds: 1 }\n', 'parameters.p.allowed').message).toMatch(/does not apply to boolean/);
    expect(errorAt('name: x\nparameters:\n  1p: {}\nsteps:\n  - { name: a, kind: wait, seconds: 1 }\n', 'parameters.1p').line).toBe(3);
  });

  it('patch steps: operation required, Install-only fields refused on Scan, rate limits parse', () => {
    expect(errorAt('name: x\nsteps:\n  - { name: a, kind: patch }\n', 'steps[0]').message).toMatch(/missing "operation"/);
    expect(errorAt('name: x\nsteps:\n  - { name: a, kind: patch, operation: Scan, snapshot: new }\n', 'steps[0].snapshot').message).toMatch(/Install only/);
    expect(errorAt('name: x\nsteps:\n  - { name: a, kind: patch, operation: Scan, maxConcurrency: "0" }\n', 'steps[0].maxConcurrency').message).toMatch(/at least 1/);
    expect(errorAt('name: x\nsteps:\n  - { name: a, kind: patch, operation: Scan, nodes: half }\n', 'steps[0].nodes').message).toMatch(/all, canary, remaining/);
  });

  it('wait seconds: a whole number or exactly one template of a non-boolean parameter', () => {
    expect(errorAt('name: x\nparameters:\n  s: { type: string }\nsteps:\n  - { name: a, kind: wait, seconds: "{{ s }}s" }\n', 'steps[0].seconds').message).toMatch(/exactly one template/);
    expect(errorAt('name: x\nparameters:\n  s: { type: boolean }\nsteps:\n  - { name: a, kind: wait, seconds: "{{ s }}" }\n', 'steps[0].seconds').message).toMatch(/boolean/);
    expect(errorAt('name: x\nsteps:\n  - { name: a, kind: wait }\n', 'steps[0]').message).toMatch(/missing "seconds"/);
  });

  it('refuses alias bombs, oversize and NUL input', () => {
    const bomb = `a: &a [x, x, x, x, x, x, x, x, x, x]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
`;
    expect(errors(bomb)[0]!.message).toMatch(/alias/i);
    expect(errors(`name: x\ndescription: "${'a'.repeat(RUNBOOK_LIMITS.maxBytes)}"\nsteps: []\n`)[0]!.message).toMatch(/larger than 256 KiB/);
    expect(errors('name: x\u0000\n')[0]!.message).toMatch(/NUL/);
  });

  it('a few anchors and aliases are fine', () => {
    const rb = ok(`name: x
steps:
  - &step { name: a, kind: wait, seconds: 5 }
  - { <<: *step, name: b }
`);
    expect(rb.steps.map((s) => s.name)).toEqual(['a', 'b']);
  });

  it('formatPath', () => {
    expect(formatPath(['steps', 2, 'timeoutSeconds'])).toBe('steps[2].timeoutSeconds');
    expect(formatPath(['steps', 0, 'choices', 1, 'goto'])).toBe('steps[0].choices[1].goto');
    expect(formatPath([])).toBe('');
  });
});
