/**
 * Built-in runbooks: defined here in YAML, parsed once at load, visible to every account as
 * version 1 (they cannot be changed or deleted; copy the text to make your own).
 */
import { parseRunbook } from './parse.js';
import type { Runbook } from './runbook.js';

export interface BuiltinRunbook {
  id: string;
  text: string;
  runbook: Runbook;
}

/**
 * `patch-fleet`: scan everything, install on the canary, check the service's health (HTTP on
 * `healthUrl`; `healthCheck`: `auto` when a URL is given, `http` always, `none` never), bake, then install on the rest in waves (each wave followed by
 * `waves.bakeSeconds` and the halt thresholds).
 */
export const PATCH_FLEET_YAML = `name: patch-fleet
description: >-
  Scan every target node, install approved patches on a canary, check the service's health over
  HTTP, bake, then install on the remaining nodes in waves.
parameters:
  healthCheck:
    type: string
    description: "auto: check healthUrl when it is given; http: always check (fails without healthUrl); none: no health check"
    allowed: [auto, http, none]
    default: auto
  healthUrl:
    type: string
    description: URL that answers 200 when the service is healthy (its host must be on the check allow-list)
    default: ""
  rebootOption:
    type: string
    description: Reboot after installing (RebootIfNeeded, NoReboot or Always)
    allowed: [RebootIfNeeded, NoReboot, Always]
    default: RebootIfNeeded
  bakeSeconds:
    type: number
    description: Seconds to wait after the canary before the remaining waves
    default: 600
waves:
  canary: "1"
  size: "25%"
  bakeSeconds: 300
  maxFailedNodes: "0"
  maxFailedChecks: 0
steps:
  - name: scan
    kind: patch
    description: Scan every target node for missing patches
    operation: Scan
    nodes: all
  - name: installCanary
    kind: patch
    description: Install the approved patches on the canary nodes
    operation: Install
    nodes: canary
    rebootOption: "{{ rebootOption }}"
  - name: chooseCheck
    kind: branch
    description: Check health unless healthCheck is none (auto checks only when healthUrl is given)
    choices:
      - when: { parameter: healthCheck, equals: none }
        goto: bake
      - when: { parameter: healthCheck, equals: http }
        goto: health
      - when: { parameter: healthUrl, equals: "" }
        goto: bake
    default: health
  - name: health
    kind: check
    description: The service answers on healthUrl after the canary install
    http:
      url: "{{ healthUrl }}"
      method: GET
      expectStatus: [200]
    retries: 3
    intervalSeconds: 10
  - name: bake
    kind: wait
    description: Let the canary run before touching the rest
    seconds: "{{ bakeSeconds }}"
  - name: installRemaining
    kind: patch
    description: Install on the remaining nodes in waves
    operation: Install
    nodes: remaining
    rebootOption: "{{ rebootOption }}"
`;

function builtin(id: string, text: string): BuiltinRunbook {
  const r = parseRunbook(text);
  if (!r.ok) throw new Error(`built-in runbook ${id} is invalid: ${r.errors.map((e) => `${e.line}: ${e.path}: ${e.message}`).join('; ')}`);
  return { id, text, runbook: r.runbook };
}

export const BUILTIN_RUNBOOKS: readonly BuiltinRunbook[] = [builtin('rb-builtin-patch-fleet', PATCH_FLEET_YAML)];

/** The built-in runbook with this id or name. */
export function builtinRunbook(ref: string): BuiltinRunbook | undefined {
  return BUILTIN_RUNBOOKS.find((b) => b.id === ref || b.runbook.name === ref);
}
