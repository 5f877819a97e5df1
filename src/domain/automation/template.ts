/**
 * Templates in runbook string fields and the parameters of an execution.
 *
 * - `{{ name }}` or `{{ parameters.name }}`: the value of a parameter;
 * - `{{ steps.<step>.<output> }}` (also deeper: `{{ steps.scan.counts.failed }}`): an output of an
 *   earlier step (what the engine recorded for it).
 *
 * @example
 *   renderTemplate('curl {{ healthUrl }}', { parameters: { healthUrl: 'http://a/health' }, steps: {} });
 *   // → 'curl http://a/health'
 */
import { REBOOT_OPTIONS, type Runbook, type RunbookParameter, type RunbookRebootOption, type RunbookStep, type WaitStep } from './runbook.js';
import { RUNBOOK_LIMITS } from './limits.js';

export type ParameterValue = string | number | boolean;

export interface TemplateVars {
  parameters: Record<string, ParameterValue>;
  steps: Record<string, Record<string, unknown>>;
}

export type TemplateReference =
  | { kind: 'parameter'; name: string; text: string }
  | { kind: 'step'; step: string; output: string[]; text: string };

const TEMPLATE = /\{\{([^{}]*)\}\}/g;
const IDENT = '[A-Za-z_][A-Za-z0-9_]*';
const PARAM_BARE = new RegExp(`^(${IDENT})$`);
const PARAM_QUALIFIED = new RegExp(`^parameters\\.(${IDENT})$`);
const STEP_REF = /^steps\.([A-Za-z0-9_]+)\.([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)$/;

function parseReference(inner: string): TemplateReference {
  const text = inner.trim();
  let m = PARAM_QUALIFIED.exec(text);
  if (m !== null) return { kind: 'parameter', name: m[1]!, text };
  m = STEP_REF.exec(text);
  if (m !== null) return { kind: 'step', step: m[1]!, output: m[2]!.split('.'), text };
  m = PARAM_BARE.exec(text);
  if (m !== null && text !== 'parameters' && text !== 'steps') return { kind: 'parameter', name: m[1]!, text };
  throw new Error(`template {{${inner}}} is not understood; use {{ name }}, {{ parameters.name }} or {{ steps.<step>.<output> }}`);
}

/** The references of every `{{ … }}` in `text`; throws on a malformed template (unclosed `{{`, unknown form). */
export function templateReferences(text: string): TemplateReference[] {
  const refs: TemplateReference[] = [];
  const rest = text.replace(TEMPLATE, (_all, inner: string) => {
    refs.push(parseReference(inner));
    return '';
  });
  if (rest.includes('{{') || rest.includes('}}')) throw new Error(`unbalanced "{{" or "}}" in ${JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text)}; templates are {{ name }}`);
  return refs;
}

function stringify(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** Replaces every template in `text`; an unknown parameter, step or output throws an Error naming it. */
export function renderTemplate(text: string, vars: TemplateVars): string {
  return text.replace(TEMPLATE, (_all, inner: string) => {
    const ref = parseReference(inner);
    if (ref.kind === 'parameter') {
      if (!Object.hasOwn(vars.parameters, ref.name)) throw new Error(`template {{ ${ref.text} }}: no parameter "${ref.name}"`);
      return stringify(vars.parameters[ref.name]);
    }
    if (!Object.hasOwn(vars.steps, ref.step)) throw new Error(`template {{ ${ref.text} }}: step "${ref.step}" has no outputs (it has not run)`);
    let v: unknown = vars.steps[ref.step];
    for (const key of ref.output) {
      if (typeof v !== 'object' || v === null || !Object.hasOwn(v, key)) throw new Error(`template {{ ${ref.text} }}: step "${ref.step}" has no output "${ref.output.join('.')}"`);
      v = (v as Record<string, unknown>)[key];
    }
    if (v === undefined) throw new Error(`template {{ ${ref.text} }}: step "${ref.step}" has no output "${ref.output.join('.')}"`);
    return stringify(v);
  });
}

/** The seconds a wait step waits: its number, or its `secondsTemplate` rendered (a whole number ≥ 0). */
export function waitSeconds(step: WaitStep, vars: TemplateVars): number {
  if (step.secondsTemplate === undefined) return step.seconds;
  const text = renderTemplate(step.secondsTemplate, vars).trim();
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n > RUNBOOK_LIMITS.maxWaitSeconds) {
    throw new Error(`wait step "${step.name}": "${step.secondsTemplate}" gave ${JSON.stringify(text)}, not a whole number of seconds up to ${RUNBOOK_LIMITS.maxWaitSeconds}`);
  }
  return n;
}

/**
 * The step with every template rendered, as the engine runs it: string fields (script, url,
 * bodyContains, message, baselineId, snapshot), `rebootOption` and wait `seconds` from their
 * templates (the `*Template` fields are removed). Throws an Error naming what could not be rendered.
 */
export function renderStep<S extends RunbookStep>(step: S, vars: TemplateVars): S {
  return renderAnyStep(step, vars) as S;
}

function renderAnyStep(step: RunbookStep, vars: TemplateVars): RunbookStep {
  const r = (t: string) => renderTemplate(t, vars);
  switch (step.kind) {
    case 'patch': {
      const { rebootOptionTemplate, ...rest } = step;
      let rebootOption = rest.rebootOption;
      if (rebootOptionTemplate !== undefined) {
        const v = r(rebootOptionTemplate).trim();
        if (!(REBOOT_OPTIONS as readonly string[]).includes(v)) throw new Error(`step "${step.name}": rebootOption "${rebootOptionTemplate}" gave ${JSON.stringify(v)}; use one of ${REBOOT_OPTIONS.join(', ')}`);
        rebootOption = v as RunbookRebootOption;
      }
      return { ...rest, rebootOption, baselineId: rest.baselineId === null ? null : r(rest.baselineId), snapshot: r(rest.snapshot) };
    }
    case 'run':
      return { ...step, script: r(step.script) };
    case 'approve':
      return { ...step, message: r(step.message) };
    case 'wait': {
      const { secondsTemplate, ...rest } = step;
      void secondsTemplate;
      const seconds = waitSeconds(step, vars);
      // A templated wait's timeout is only known now: never shorter than the wait itself.
      return { ...rest, seconds, timeoutSeconds: Math.max(step.timeoutSeconds, seconds + 60) };
    }
    case 'check':
      return {
        ...step,
        http: step.http === null ? null : { ...step.http, url: r(step.http.url), bodyContains: step.http.bodyContains === null ? null : r(step.http.bodyContains) },
        script: step.script === null ? null : { ...step.script, script: r(step.script.script) },
      };
    case 'branch':
      return step;
  }
}

function coerce(p: RunbookParameter, v: unknown): ParameterValue | undefined {
  if (p.type === 'string') return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
  if (p.type === 'number') {
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    if (typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v)) return Number(v);
    return undefined;
  }
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === '1' || v === 'yes') return true;
  if (v === 'false' || v === '0' || v === 'no') return false;
  return undefined;
}

/**
 * The parameter values of an execution: the given ones (text is converted for number and boolean
 * parameters, as from `--param k=v`) and the defaults; errors for unknown names, missing required
 * parameters, wrong types and values not allowed.
 */
export function validateParameters(runbook: Runbook, given: Record<string, unknown> | undefined): { values: Record<string, ParameterValue> } | { errors: string[] } {
  const errors: string[] = [];
  const values: Record<string, ParameterValue> = {};
  const declared = new Map(runbook.parameters.map((p) => [p.name, p]));
  const input = given ?? {};
  for (const name of Object.keys(input)) {
    if (!declared.has(name)) {
      const names = runbook.parameters.map((p) => p.name);
      errors.push(`runbook "${runbook.name}" has no parameter "${name}"; ${names.length === 0 ? 'it takes none' : `its parameters: ${names.join(', ')}`}`);
    }
  }
  for (const p of runbook.parameters) {
    const raw = Object.hasOwn(input, p.name) ? input[p.name] : undefined;
    if (raw === undefined || raw === null) {
      if (p.default === undefined) errors.push(`parameter "${p.name}" is required (${p.type}${p.description === '' ? '' : `: ${p.description}`}); give it, e.g. --param ${p.name}=…`);
      else values[p.name] = p.default;
      continue;
    }
    const v = coerce(p, raw);
    if (v === undefined) {
      errors.push(`parameter "${p.name}" must be a ${p.type}, not ${JSON.stringify(raw)}`);
      continue;
    }
    if (typeof v === 'string' && (v.length > 4096 || v.includes('\u0000'))) {
      errors.push(`parameter "${p.name}" must be at most 4096 characters of text without NUL`);
      continue;
    }
    if (p.allowed !== undefined && !p.allowed.includes(v as string | number)) {
      errors.push(`parameter "${p.name}" is ${JSON.stringify(v)}; allowed: ${p.allowed.map((a) => JSON.stringify(a)).join(', ')}`);
      continue;
    }
    values[p.name] = v;
  }
  return errors.length > 0 ? { errors } : { values };
}
