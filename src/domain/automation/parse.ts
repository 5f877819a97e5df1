/**
 * Runbook YAML → a validated `Runbook`, or every error found with its line and field path.
 *
 * The YAML is parsed with `yaml` (`parseDocument` + `LineCounter`); the plain value is validated
 * field by field by hand (defaults filled in), and each error's path is looked up in the document
 * tree to name its line. Anchors and aliases are allowed but their expansion is bounded (alias
 * bombs are refused), unknown keys are refused naming them, and templates (`{{ name }}`,
 * `{{ parameters.name }}`, `{{ steps.<step>.<output> }}`) must refer to declared parameters and
 * earlier steps.
 *
 * @example
 *   const r = parseRunbook(text);
 *   if (!r.ok) for (const e of r.errors) console.log(`runbook.yaml:${e.line}: ${e.path}: ${e.message}`);
 */
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { parseRateLimit } from '../targets.js';
import {
  DEFAULT_WAVES,
  NODE_SELECTIONS,
  REBOOT_OPTIONS,
  STEP_KINDS,
  STEP_OUTCOMES,
  type ApproveStep,
  type BranchCondition,
  type BranchStep,
  type CheckStep,
  type NodeSelection,
  type OnFailure,
  type PatchStep,
  type Runbook,
  type RunbookParameter,
  type RunbookStep,
  type RunStep,
  type StepKind,
  type WaitStep,
  type WavesSpec,
} from './runbook.js';
import { RUNBOOK_LIMITS } from './limits.js';
import { templateReferences } from './template.js';

/** One problem in a runbook: 1-based line (0 when unknown), field path (`steps[2].timeoutSeconds`), what is wrong and how to fix it. */
export interface RunbookError {
  line: number;
  path: string;
  message: string;
}

export type ParseRunbookResult = { ok: true; runbook: Runbook } | { ok: false; errors: RunbookError[] };

export { RUNBOOK_LIMITS };

/** Default timeouts per kind (wait: its seconds + 60; check: (retries + 1) × (interval + 30)). */
export const DEFAULT_TIMEOUTS = { patch: 7200, run: 3600, approve: 604800, branch: 60 } as const;

export const RUNBOOK_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;
export const STEP_NAME_PATTERN = /^[A-Za-z0-9_]{1,64}$/;
export const PARAMETER_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

type PathSeg = string | number;
interface RawError {
  path: PathSeg[];
  message: string;
  /** Point at the key of the last segment rather than its value (unknown keys). */
  atKey?: boolean;
}

/** `['steps', 2, 'timeoutSeconds']` → `steps[2].timeoutSeconds`. */
export function formatPath(path: readonly PathSeg[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const describe = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'a map' : `${typeof v} ${JSON.stringify(v)}`);

/** Validation state: the errors so far and helpers that record one and return undefined. */
class Checker {
  readonly errors: RawError[] = [];

  err(path: PathSeg[], message: string, atKey = false): undefined {
    this.errors.push({ path, message, atKey });
    return undefined;
  }

  /** Refuses keys of `obj` not in `allowed`, naming them and the allowed ones. */
  keys(obj: Obj, path: PathSeg[], allowed: readonly string[], what: string): void {
    for (const k of Object.keys(obj)) {
      if (!allowed.includes(k)) this.err([...path, k], `unknown key "${k}" in ${what}; allowed keys: ${allowed.join(', ')}`, true);
    }
  }

  map(v: unknown, path: PathSeg[], what: string): Obj | undefined {
    if (isObj(v)) return v;
    return this.err(path, `${what} must be a map (key: value lines), not ${describe(v)}`);
  }

  str(obj: Obj, key: string, path: PathSeg[], opts: { required?: boolean; max?: number; min?: number; pattern?: RegExp; patternHint?: string } = {}): string | undefined {
    const v = obj[key];
    const p = [...path, key];
    if (v === undefined || v === null) return opts.required === true ? this.err(path, `missing "${key}"; add \`${key}: …\``) : undefined;
    if (typeof v !== 'string') return this.err(p, `"${key}" must be text, not ${describe(v)}`);
    if (v.includes('\u0000')) return this.err(p, `"${key}" must not contain NUL characters`);
    if (opts.min !== undefined && v.trim().length < opts.min) return this.err(p, `"${key}" must not be empty`);
    if (opts.max !== undefined && v.length > opts.max) return this.err(p, `"${key}" is ${v.length} characters long; at most ${opts.max}`);
    if (opts.pattern !== undefined && !opts.pattern.test(v)) return this.err(p, `"${key}" is ${JSON.stringify(v)}: ${opts.patternHint ?? `it must match ${String(opts.pattern)}`}`);
    return v;
  }

  int(obj: Obj, key: string, path: PathSeg[], min: number, max: number): number | undefined {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v)) return this.err([...path, key], `"${key}" must be a whole number, not ${describe(v)}`);
    if (v < min || v > max) return this.err([...path, key], `"${key}" is ${v}; it must be between ${min} and ${max}`);
    return v;
  }

  oneOf<T extends string>(obj: Obj, key: string, path: PathSeg[], values: readonly T[]): T | undefined {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) return this.err([...path, key], `"${key}" is ${describe(v)}; use one of ${values.join(', ')}`);
    return v as T;
  }

  /** A count (`5`) or a percentage (`10%`) per parseRateLimit; numbers are accepted as counts. */
  rate(obj: Obj, key: string, path: PathSeg[], opts: { min?: number } = {}): string | undefined {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    const text = typeof v === 'number' && Number.isInteger(v) ? String(v) : typeof v === 'string' ? v.trim() : undefined;
    const parsed = text === undefined ? null : parseRateLimit(text);
    if (text === undefined || parsed === null) return this.err([...path, key], `"${key}" is ${describe(v)}; give a count ("5") or a percentage up to 100 ("10%")`);
    if (opts.min !== undefined && parsed.value < opts.min) return this.err([...path, key], `"${key}" is ${text}; it must be at least ${opts.min}`);
    return text;
  }
}

const TOP_KEYS = ['name', 'description', 'parameters', 'waves', 'steps'] as const;
const PARAM_KEYS = ['type', 'description', 'default', 'allowed'] as const;
const WAVES_KEYS = ['canary', 'size', 'bakeSeconds', 'maxFailedNodes', 'maxFailedChecks'] as const;
const COMMON_STEP_KEYS = ['name', 'kind', 'description', 'timeoutSeconds', 'onFailure'] as const;
const KIND_KEYS: Record<StepKind, readonly string[]> = {
  patch: ['operation', 'nodes', 'rebootOption', 'baselineId', 'snapshot', 'maxConcurrency', 'maxErrors'],
  run: ['script', 'nodes', 'maxConcurrency', 'maxErrors'],
  approve: ['message', 'approverRoles', 'approvers', 'minApprovals'],
  wait: ['seconds'],
  check: ['http', 'script', 'retries', 'intervalSeconds'],
  branch: ['choices', 'default'],
};
const APPROVER_ROLES = ['org-admin', 'admin', 'operator'] as const;

/** Where templates were found: field path and text, checked after every step is known. */
interface TemplateUse {
  path: PathSeg[];
  text: string;
  stepIndex: number;
}

function parseParameters(c: Checker, raw: unknown): RunbookParameter[] {
  if (raw === undefined || raw === null) return [];
  const map = c.map(raw, ['parameters'], '"parameters"');
  if (map === undefined) return [];
  const names = Object.keys(map);
  if (names.length > RUNBOOK_LIMITS.maxParameters) c.err(['parameters'], `${names.length} parameters; at most ${RUNBOOK_LIMITS.maxParameters}`);
  const out: RunbookParameter[] = [];
  for (const name of names) {
    const path = ['parameters', name];
    if (!PARAMETER_NAME_PATTERN.test(name)) {
      c.err(path, `parameter name "${name}" must start with a letter or "_" and use letters, digits and "_" (at most 64)`, true);
      continue;
    }
    const spec = c.map(map[name] ?? {}, path, `parameter "${name}"`);
    if (spec === undefined) continue;
    c.keys(spec, path, PARAM_KEYS, `parameter "${name}"`);
    const type = c.oneOf(spec, 'type', path, ['string', 'number', 'boolean'] as const) ?? 'string';
    const description = c.str(spec, 'description', path, { max: 1000 }) ?? '';
    const param: RunbookParameter = { name, type, description };
    const fits = (v: unknown): boolean => (type === 'number' ? typeof v === 'number' && Number.isFinite(v) : typeof v === type);
    if (spec.allowed !== undefined && spec.allowed !== null) {
      if (type === 'boolean') c.err([...path, 'allowed'], '"allowed" does not apply to boolean parameters; remove it');
      else if (!Array.isArray(spec.allowed) || spec.allowed.length === 0 || spec.allowed.length > 100) c.err([...path, 'allowed'], `"allowed" must be a list of 1 to 100 ${type} values`);
      else {
        const bad = spec.allowed.findIndex((v) => !fits(v) || (typeof v === 'string' && v.length > 1000));
        if (bad >= 0) c.err([...path, 'allowed', bad], `allowed values of a ${type} parameter must be ${type}s, not ${describe(spec.allowed[bad])}`);
        else param.allowed = spec.allowed as (string | number)[];
      }
    }
    if (spec.default !== undefined && spec.default !== null) {
      const d = spec.default;
      if (!fits(d)) c.err([...path, 'default'], `the default of ${type} parameter "${name}" must be a ${type}, not ${describe(d)}`);
      else if (typeof d === 'string' && d.length > 4096) c.err([...path, 'default'], 'the default is longer than 4096 characters');
      else if (param.allowed !== undefined && !param.allowed.includes(d as string | number)) c.err([...path, 'default'], `the default ${JSON.stringify(d)} is not one of the allowed values (${param.allowed.map((a) => JSON.stringify(a)).join(', ')})`);
      else param.default = d as string | number | boolean;
    }
    out.push(param);
  }
  return out;
}

function parseWaves(c: Checker, raw: unknown): WavesSpec {
  if (raw === undefined || raw === null) return { ...DEFAULT_WAVES };
  const w = c.map(raw, ['waves'], '"waves"');
  if (w === undefined) return { ...DEFAULT_WAVES };
  const p = ['waves'];
  c.keys(w, p, WAVES_KEYS, '"waves"');
  return {
    canary: c.rate(w, 'canary', p) ?? DEFAULT_WAVES.canary,
    size: c.rate(w, 'size', p, { min: 1 }) ?? DEFAULT_WAVES.size,
    bakeSeconds: c.int(w, 'bakeSeconds', p, 0, RUNBOOK_LIMITS.maxWaitSeconds) ?? DEFAULT_WAVES.bakeSeconds,
    maxFailedNodes: c.rate(w, 'maxFailedNodes', p) ?? DEFAULT_WAVES.maxFailedNodes,
    maxFailedChecks: c.int(w, 'maxFailedChecks', p, 0, 1000) ?? DEFAULT_WAVES.maxFailedChecks,
  };
}

/** `abort`, `continue`, or `{ goto: step }` (also the text `goto <step>`). */
function parseOnFailure(c: Checker, raw: unknown, path: PathSeg[]): OnFailure {
  if (raw === undefined || raw === null || raw === 'abort') return { action: 'abort' };
  if (raw === 'continue') return { action: 'continue' };
  if (typeof raw === 'string') {
    const m = /^goto\s+(\S+)$/.exec(raw.trim());
    if (m !== null) return { action: 'goto', step: m[1]! };
  }
  if (isObj(raw)) {
    c.keys(raw, path, ['goto'], '"onFailure"');
    if (typeof raw.goto === 'string') return { action: 'goto', step: raw.goto };
  }
  c.err(path, `"onFailure" is ${describe(raw)}; use abort, continue or { goto: <step name> }`);
  return { action: 'abort' };
}

function nodesOf(c: Checker, s: Obj, path: PathSeg[]): NodeSelection {
  return c.oneOf(s, 'nodes', path, NODE_SELECTIONS) ?? 'all';
}

/** Text that may hold templates: recorded for the reference check. */
function templated(c: Checker, uses: TemplateUse[], stepIndex: number, obj: Obj, key: string, path: PathSeg[], opts: Parameters<Checker['str']>[3] = {}): string | undefined {
  const v = c.str(obj, key, path, opts);
  if (v !== undefined) uses.push({ path: [...path, key], text: v, stepIndex });
  return v;
}

function parseStep(c: Checker, raw: unknown, i: number, uses: TemplateUse[], line: number): RunbookStep | undefined {
  const path: PathSeg[] = ['steps', i];
  const s = c.map(raw, path, `step ${i + 1}`);
  if (s === undefined) return undefined;
  const name = c.str(s, 'name', path, { required: true, pattern: STEP_NAME_PATTERN, patternHint: 'step names use letters, digits and "_" (at most 64)' });
  const kind = s.kind === undefined ? c.err(path, `missing "kind"; add \`kind: …\` (one of ${STEP_KINDS.join(', ')})`) : c.oneOf(s, 'kind', path, STEP_KINDS);
  if (kind === undefined) {
    c.keys(s, path, [...COMMON_STEP_KEYS, ...new Set(Object.values(KIND_KEYS).flat())], `step ${i + 1}`);
    return undefined;
  }
  c.keys(s, path, [...COMMON_STEP_KEYS, ...KIND_KEYS[kind]], `a ${kind} step`);
  const description = c.str(s, 'description', path, { max: 1000 }) ?? '';
  const onFailure = parseOnFailure(c, s.onFailure, [...path, 'onFailure']);
  const maxTimeout = kind === 'approve' ? RUNBOOK_LIMITS.maxApproveTimeoutSeconds : RUNBOOK_LIMITS.maxTimeoutSeconds;
  const givenTimeout = c.int(s, 'timeoutSeconds', path, 1, maxTimeout);
  const base = { name: name ?? `#${i + 1}`, description, onFailure, line };

  switch (kind) {
    case 'patch': {
      const operation = s.operation === undefined ? c.err(path, 'missing "operation"; add `operation: Scan` or `operation: Install`') : c.oneOf(s, 'operation', path, ['Scan', 'Install'] as const);
      if (operation === 'Scan') {
        for (const k of ['snapshot', 'rebootOption']) if (s[k] !== undefined) c.err([...path, k], `"${k}" applies to Install only; remove it from this Scan step`, true);
      }
      const step: PatchStep = {
        ...base,
        kind,
        timeoutSeconds: givenTimeout ?? DEFAULT_TIMEOUTS.patch,
        operation: operation ?? 'Scan',
        nodes: nodesOf(c, s, path),
        rebootOption: typeof s.rebootOption === 'string' && s.rebootOption.includes('{{') ? 'RebootIfNeeded' : (c.oneOf(s, 'rebootOption', path, REBOOT_OPTIONS) ?? 'RebootIfNeeded'),
        baselineId: templated(c, uses, i, s, 'baselineId', path, { min: 1, max: 256 }) ?? null,
        snapshot: templated(c, uses, i, s, 'snapshot', path, { min: 1, max: 256 }) ?? 'execution',
        maxConcurrency: c.rate(s, 'maxConcurrency', path, { min: 1 }) ?? null,
        maxErrors: c.rate(s, 'maxErrors', path) ?? null,
      };
      if (typeof s.rebootOption === 'string' && s.rebootOption.includes('{{')) step.rebootOptionTemplate = templated(c, uses, i, s, 'rebootOption', path, { max: 256 }) ?? '';
      return step;
    }
    case 'run': {
      const step: RunStep = {
        ...base,
        kind,
        timeoutSeconds: givenTimeout ?? DEFAULT_TIMEOUTS.run,
        script: templated(c, uses, i, s, 'script', path, { required: true, min: 1, max: RUNBOOK_LIMITS.maxScriptBytes }) ?? '',
        nodes: nodesOf(c, s, path),
        maxConcurrency: c.rate(s, 'maxConcurrency', path, { min: 1 }) ?? null,
        maxErrors: c.rate(s, 'maxErrors', path) ?? null,
      };
      return step;
    }
    case 'approve': {
      let approverRoles: ApproveStep['approverRoles'] = ['admin'];
      if (s.approverRoles !== undefined && s.approverRoles !== null) {
        const r = s.approverRoles;
        if (!Array.isArray(r) || r.some((x) => typeof x !== 'string' || !(APPROVER_ROLES as readonly string[]).includes(x))) {
          c.err([...path, 'approverRoles'], `"approverRoles" must be a list of ${APPROVER_ROLES.join(', ')}`);
        } else approverRoles = [...new Set(r as ApproveStep['approverRoles'])];
      }
      let approvers: string[] = [];
      if (s.approvers !== undefined && s.approvers !== null) {
        const a = s.approvers;
        if (!Array.isArray(a) || a.length > 100 || a.some((x) => typeof x !== 'string' || x.length === 0 || x.length > 128)) c.err([...path, 'approvers'], '"approvers" must be a list of up to 100 usernames');
        else approvers = [...new Set(a as string[])];
      }
      if (approverRoles.length === 0 && approvers.length === 0) c.err(path, 'nobody could approve this step; give "approverRoles" or "approvers"');
      const step: ApproveStep = {
        ...base,
        kind,
        timeoutSeconds: givenTimeout ?? DEFAULT_TIMEOUTS.approve,
        message: templated(c, uses, i, s, 'message', path, { max: 2000 }) ?? '',
        approverRoles,
        approvers,
        minApprovals: c.int(s, 'minApprovals', path, 1, 10) ?? 1,
      };
      return step;
    }
    case 'wait': {
      let seconds = 0;
      let secondsTemplate: string | undefined;
      const v = s.seconds;
      if (v === undefined || v === null) c.err(path, 'missing "seconds"; add `seconds: 600` (or a template such as `seconds: "{{ bakeSeconds }}"`)');
      else if (typeof v === 'string' && v.includes('{{')) {
        secondsTemplate = v;
        uses.push({ path: [...path, 'seconds'], text: v, stepIndex: i });
      } else seconds = c.int(s, 'seconds', path, 0, RUNBOOK_LIMITS.maxWaitSeconds) ?? 0;
      const step: WaitStep = { ...base, kind, seconds, timeoutSeconds: givenTimeout ?? Math.min(seconds + 60, RUNBOOK_LIMITS.maxTimeoutSeconds) };
      if (secondsTemplate !== undefined) step.secondsTemplate = secondsTemplate;
      return step;
    }
    case 'check': {
      const retries = c.int(s, 'retries', path, 0, RUNBOOK_LIMITS.maxRetries) ?? 0;
      const intervalSeconds = c.int(s, 'intervalSeconds', path, 1, RUNBOOK_LIMITS.maxIntervalSeconds) ?? 10;
      let http: CheckStep['http'] = null;
      let script: CheckStep['script'] = null;
      const hasHttp = s.http !== undefined && s.http !== null;
      const hasScript = s.script !== undefined && s.script !== null;
      if (hasHttp === hasScript) c.err(path, hasHttp ? 'a check step has "http" or "script", not both; split it into two checks' : 'a check step needs "http" (a URL the server requests) or "script" (run on the nodes)');
      if (hasHttp) {
        const hp = [...path, 'http'];
        const h = c.map(s.http, hp, '"http"');
        if (h !== undefined) {
          c.keys(h, hp, ['url', 'method', 'expectStatus', 'bodyContains'], '"http"');
          const url = templated(c, uses, i, h, 'url', hp, { required: true, min: 1, max: 2048 });
          if (url !== undefined && !url.includes('{{')) {
            let ok = false;
            try {
              const u = new URL(url);
              ok = u.protocol === 'http:' || u.protocol === 'https:';
            } catch {
              ok = false;
            }
            if (!ok) c.err([...hp, 'url'], `"url" is ${JSON.stringify(url)}; give an http:// or https:// URL`);
          }
          let expectStatus = [200];
          if (h.expectStatus !== undefined && h.expectStatus !== null) {
            const e = Array.isArray(h.expectStatus) ? h.expectStatus : [h.expectStatus];
            if (e.length === 0 || e.length > 20 || e.some((x) => typeof x !== 'number' || !Number.isInteger(x) || x < 100 || x > 599)) c.err([...hp, 'expectStatus'], '"expectStatus" must be a status (100–599) or a list of them, e.g. [200, 204]');
            else expectStatus = e as number[];
          }
          http = {
            url: url ?? '',
            method: c.oneOf(h, 'method', hp, ['GET', 'HEAD'] as const) ?? 'GET',
            expectStatus,
            bodyContains: templated(c, uses, i, h, 'bodyContains', hp, { min: 1, max: 1000 }) ?? null,
          };
        }
      }
      if (hasScript) {
        const sp = [...path, 'script'];
        const raw2 = typeof s.script === 'string' ? { script: s.script } : s.script;
        const sc = c.map(raw2, sp, '"script"');
        if (sc !== undefined) {
          c.keys(sc, sp, ['script', 'nodes', 'expectExitCode'], '"script"');
          script = {
            script: templated(c, uses, i, sc, 'script', sp, { required: true, min: 1, max: RUNBOOK_LIMITS.maxScriptBytes }) ?? '',
            nodes: nodesOf(c, sc, sp),
            expectExitCode: c.int(sc, 'expectExitCode', sp, 0, 255) ?? 0,
          };
        }
      }
      const step: CheckStep = { ...base, kind, http, script, retries, intervalSeconds, timeoutSeconds: givenTimeout ?? (retries + 1) * (intervalSeconds + 30) };
      return step;
    }
    case 'branch': {
      const choices: BranchStep['choices'] = [];
      const cp = [...path, 'choices'];
      if (s.choices === undefined || s.choices === null) c.err(path, 'missing "choices"; add a list of `- when: { parameter: x, equals: y }` / `goto: <step>`');
      else if (!Array.isArray(s.choices) || s.choices.length === 0 || s.choices.length > RUNBOOK_LIMITS.maxBranchChoices) c.err(cp, `"choices" must be a list of 1 to ${RUNBOOK_LIMITS.maxBranchChoices} choices`);
      else {
        s.choices.forEach((ch: unknown, j: number) => {
          const chp = [...cp, j];
          const o = c.map(ch, chp, `choice ${j + 1}`);
          if (o === undefined) return;
          c.keys(o, chp, ['when', 'goto'], 'a choice');
          const target = c.str(o, 'goto', chp, { required: true, min: 1 });
          const wp = [...chp, 'when'];
          const w = o.when === undefined ? c.err(chp, 'missing "when"; add `when: { step: <step>, outcome: Success }` or `when: { parameter: <name>, equals: <value> }`') : c.map(o.when, wp, '"when"');
          if (w === undefined) return;
          let when: BranchCondition | undefined;
          if (w.step !== undefined) {
            c.keys(w, wp, ['step', 'outcome'], 'a step condition');
            const step = c.str(w, 'step', wp, { required: true, min: 1 });
            const outcome = w.outcome === undefined ? c.err(wp, `missing "outcome"; one of ${STEP_OUTCOMES.join(', ')}`) : c.oneOf(w, 'outcome', wp, STEP_OUTCOMES);
            if (step !== undefined && outcome !== undefined) when = { step, outcome };
          } else if (w.parameter !== undefined) {
            c.keys(w, wp, ['parameter', 'equals'], 'a parameter condition');
            const parameter = c.str(w, 'parameter', wp, { required: true, min: 1 });
            const eq = w.equals;
            if (typeof eq !== 'string' && typeof eq !== 'number' && typeof eq !== 'boolean') c.err(wp, '"equals" must be a value (text, number or true/false)');
            else if (parameter !== undefined) when = { parameter, equals: String(eq) };
          } else c.err(wp, '"when" needs "step" and "outcome", or "parameter" and "equals"');
          if (when !== undefined && target !== undefined) choices.push({ when, goto: target });
        });
      }
      const def = s.default === undefined || s.default === null ? null : (c.str(s, 'default', path, { min: 1 }) ?? null);
      const step: BranchStep = { ...base, kind, choices, default: def, timeoutSeconds: givenTimeout ?? DEFAULT_TIMEOUTS.branch };
      return step;
    }
  }
}

/** Cross-field rules once every step is parsed: unique names, goto targets, templates. */
function checkReferences(c: Checker, runbook: Runbook, uses: TemplateUse[]): void {
  const index = new Map<string, number>();
  runbook.steps.forEach((s, i) => {
    const prev = index.get(s.name);
    if (prev !== undefined) c.err(['steps', i, 'name'], `step name "${s.name}" is used by steps[${prev}] already; step names must be unique`);
    else index.set(s.name, i);
  });
  const target = (from: number, name: string, path: PathSeg[], what: string): void => {
    const to = index.get(name);
    if (to === undefined) c.err(path, `${what} "${name}" is not a step of this runbook; steps: ${[...index.keys()].join(', ')}`);
    else if (to === from) c.err(path, `${what} "${name}" is this step itself; a step must not go to itself`);
  };
  const params = new Map(runbook.parameters.map((p) => [p.name, p]));
  runbook.steps.forEach((s, i) => {
    if (s.onFailure.action === 'goto') target(i, s.onFailure.step, ['steps', i, 'onFailure'], 'onFailure goto');
    if (s.kind === 'branch') {
      s.choices.forEach((ch, j) => {
        target(i, ch.goto, ['steps', i, 'choices', j, 'goto'], 'goto');
        if ('step' in ch.when) {
          const w = index.get(ch.when.step);
          if (w === undefined) c.err(['steps', i, 'choices', j, 'when', 'step'], `"${ch.when.step}" is not a step of this runbook`);
          else if (w === i) c.err(['steps', i, 'choices', j, 'when', 'step'], 'a branch cannot test its own outcome');
        } else {
          const p = params.get(ch.when.parameter);
          if (p === undefined) c.err(['steps', i, 'choices', j, 'when', 'parameter'], `"${ch.when.parameter}" is not a declared parameter; declare it under "parameters"`);
          else if (p.allowed !== undefined && !p.allowed.map(String).includes(ch.when.equals)) {
            c.err(['steps', i, 'choices', j, 'when', 'equals'], `"${ch.when.equals}" is not one of the allowed values of "${p.name}" (${p.allowed.join(', ')})`);
          }
        }
      });
      if (s.default !== null) target(i, s.default, ['steps', i, 'default'], 'default');
    }
  });
  for (const use of uses) {
    let refs;
    try {
      refs = templateReferences(use.text);
    } catch (e) {
      c.err(use.path, (e as Error).message);
      continue;
    }
    for (const ref of refs) {
      if (ref.kind === 'parameter') {
        if (!params.has(ref.name)) c.err(use.path, `template {{ ${ref.text} }} names parameter "${ref.name}", which is not declared; declare it under "parameters"`);
      } else {
        const at = index.get(ref.step);
        if (at === undefined) c.err(use.path, `template {{ ${ref.text} }} names step "${ref.step}", which is not a step of this runbook`);
        else if (at >= use.stepIndex) c.err(use.path, `template {{ ${ref.text} }} names step "${ref.step}", which does not run before this one; only earlier steps' outputs can be used`);
      }
    }
    if (use.path[use.path.length - 1] === 'seconds') {
      const only = refs.length === 1 && /^\s*\{\{[^}]*\}\}\s*$/.test(use.text);
      const ref = refs[0];
      if (!only) c.err(use.path, '"seconds" is a whole number or exactly one template, e.g. "{{ bakeSeconds }}"');
      else if (ref?.kind === 'parameter' && params.get(ref.name)?.type === 'boolean') c.err(use.path, `"seconds" cannot come from boolean parameter "${ref.name}"`);
    }
  }
}

/** The line of the node at `path` (the deepest that exists), or its key. */
function lineOf(doc: Document, lc: LineCounter, path: readonly PathSeg[], atKey: boolean): number {
  let node: unknown = doc.contents;
  let pos: number | undefined = (node as Node | null)?.range?.[0];
  for (let i = 0; i < path.length; i++) {
    if (isAlias(node)) node = node.resolve(doc);
    const seg = path[i];
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (pair === undefined) break;
      const keyPos = (pair.key as Node).range?.[0];
      if (i === path.length - 1 && atKey) {
        pos = keyPos ?? pos;
        break;
      }
      node = pair.value;
      pos = (pair.value as Node | null)?.range?.[0] ?? keyPos ?? pos;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (item === undefined) break;
      node = item;
      pos = (item as Node).range?.[0] ?? pos;
    } else break;
  }
  return pos === undefined ? 0 : lc.linePos(pos).line;
}

function stepLine(doc: Document, lc: LineCounter, i: number): number {
  return lineOf(doc, lc, ['steps', i], false);
}

/** Parses and validates runbook YAML; on failure, every error found (sorted by line). */
export function parseRunbook(text: string): ParseRunbookResult {
  if (new TextEncoder().encode(text).length > RUNBOOK_LIMITS.maxBytes) {
    return { ok: false, errors: [{ line: 0, path: '', message: `the runbook is larger than ${RUNBOOK_LIMITS.maxBytes / 1024} KiB; shorten it` }] };
  }
  if (text.includes('\u0000')) return { ok: false, errors: [{ line: 0, path: '', message: 'the runbook contains NUL characters; it must be plain text' }] };
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true, strict: true, merge: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((e) => ({ line: lc.linePos(e.pos[0]).line, path: '', message: `YAML: ${e.message.split('\n')[0]}` })),
    };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: RUNBOOK_LIMITS.maxAliasCount });
  } catch (e) {
    return { ok: false, errors: [{ line: 0, path: '', message: `YAML: ${(e as Error).message}; anchors and aliases are expanded at most ${RUNBOOK_LIMITS.maxAliasCount} times` }] };
  }
  const c = new Checker();
  const top = c.map(value ?? null, [], 'a runbook');
  if (top === undefined) return { ok: false, errors: [{ line: 1, path: '', message: 'a runbook is a YAML map with name, description, parameters, waves and steps' }] };
  c.keys(top, [], TOP_KEYS, 'the runbook');
  const name = c.str(top, 'name', [], { required: true, pattern: RUNBOOK_NAME_PATTERN, patternHint: 'runbook names use lower-case letters, digits and "-", start with a letter or digit, at most 64 characters' });
  const description = c.str(top, 'description', [], { max: 2000 }) ?? '';
  const parameters = parseParameters(c, top.parameters);
  const waves = parseWaves(c, top.waves);
  const steps: RunbookStep[] = [];
  const uses: TemplateUse[] = [];
  if (top.steps === undefined || top.steps === null) c.err([], 'missing "steps"; add a list of steps (`steps:` then `- name: …`)');
  else if (!Array.isArray(top.steps)) c.err(['steps'], `"steps" must be a list, not ${describe(top.steps)}`);
  else if (top.steps.length === 0) c.err(['steps'], '"steps" is empty; a runbook needs at least one step');
  else if (top.steps.length > RUNBOOK_LIMITS.maxSteps) c.err(['steps'], `${top.steps.length} steps; at most ${RUNBOOK_LIMITS.maxSteps}`);
  else {
    top.steps.forEach((raw: unknown, i: number) => {
      const step = parseStep(c, raw, i, uses, stepLine(doc, lc, i));
      if (step !== undefined) steps.push(step);
    });
  }
  const runbook: Runbook = { name: name ?? '', description, parameters, waves, steps };
  // References are only checked when every step parsed (indexes then match the YAML).
  if (Array.isArray(top.steps) && steps.length === top.steps.length) checkReferences(c, runbook, uses);
  if (c.errors.length > 0) {
    const errors = c.errors.map((e) => ({ line: lineOf(doc, lc, e.path, e.atKey === true), path: formatPath(e.path), message: e.message }));
    errors.sort((a, b) => a.line - b.line);
    return { ok: false, errors };
  }
  return { ok: true, runbook };
}
