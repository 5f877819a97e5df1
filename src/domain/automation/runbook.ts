/**
 * Runbooks (automation documents) as the engine sees them once parsed and validated: parameters,
 * waves and steps. Pure types and constants; `parse.ts` turns YAML text into a `Runbook` (with the
 * line of every step, for errors), `builtin.ts` holds the built-in `patch-fleet`.
 *
 * Example (YAML):
 *
 * ```yaml
 * name: patch-fleet
 * description: Scan, patch a canary, check health, bake, patch the rest in waves.
 * parameters:
 *   healthUrl: { type: string, description: URL that answers 200 when the service is healthy }
 * waves: { canary: "1", size: "25%", bakeSeconds: 600, maxFailedNodes: "0", maxFailedChecks: 0 }
 * steps:
 *   - name: scan
 *     kind: patch
 *     operation: Scan
 *   - name: installCanary
 *     kind: patch
 *     operation: Install
 *     nodes: canary
 *   - name: health
 *     kind: check
 *     http: { url: "{{ healthUrl }}", expectStatus: [200] }
 *     retries: 3
 *     intervalSeconds: 10
 *   - name: bake
 *     kind: wait
 *     seconds: 600
 *   - name: installRest
 *     kind: patch
 *     operation: Install
 *     nodes: remaining
 * ```
 */

export const STEP_KINDS = ['patch', 'run', 'approve', 'wait', 'check', 'branch'] as const;
export type StepKind = (typeof STEP_KINDS)[number];

/**
 * Which of the execution's nodes a node step addresses:
 * - `all`: every target node (of every account), rate-controlled per account;
 * - `canary`: the canary wave (`waves.canary` nodes, chosen once when the execution starts);
 * - `remaining`: the nodes not in the canary, in waves of `waves.size`, with `waves.bakeSeconds`
 *   between waves and the halt thresholds checked after each wave.
 */
export const NODE_SELECTIONS = ['all', 'canary', 'remaining'] as const;
export type NodeSelection = (typeof NODE_SELECTIONS)[number];

/** What happens when a step fails or times out: stop the execution (Failed), go on, or go to a step. */
export type OnFailure = { action: 'abort' } | { action: 'continue' } | { action: 'goto'; step: string };

export const REBOOT_OPTIONS = ['RebootIfNeeded', 'NoReboot', 'Always'] as const;
export type RunbookRebootOption = (typeof REBOOT_OPTIONS)[number];

/** Step outcomes a `branch` can test (and the engine records). */
export const STEP_OUTCOMES = ['Success', 'Failed', 'TimedOut', 'Cancelled', 'Skipped', 'Denied'] as const;
export type StepOutcome = (typeof STEP_OUTCOMES)[number];

interface StepBase {
  /** Unique in the runbook: `[A-Za-z0-9_]+`. */
  name: string;
  kind: StepKind;
  description: string;
  /** The step fails as TimedOut after this long (default per kind, see parse.ts). */
  timeoutSeconds: number;
  onFailure: OnFailure;
  /** 1-based line of the step in the YAML (0 for runbooks not parsed from text). */
  line: number;
}

/** Scan or Install through the existing command machinery (one command per account and wave). */
export interface PatchStep extends StepBase {
  kind: 'patch';
  operation: 'Scan' | 'Install';
  nodes: NodeSelection;
  rebootOption: RunbookRebootOption;
  /**
   * `rebootOption: "{{ rebootOption }}"` in the YAML: the template, rendered when the step starts
   * (`renderStep` in template.ts does it; `rebootOption` then holds the default `RebootIfNeeded`).
   */
  rebootOptionTemplate?: string;
  /** Evaluate/install with this baseline instead of each node's effective one (may be a `{{ template }}`). */
  baselineId: string | null;
  /**
   * Install: which approved set. `execution` (default): the first Install step of the execution
   * freezes one snapshot per account and every later Install of the execution (later waves)
   * installs exactly that set; `new`: freeze a new one; otherwise a snapshot id (or `{{ template }}`).
   */
  snapshot: string;
  /** Per-account rate control of this step's commands; null: the execution's per-account settings. */
  maxConcurrency: string | null;
  maxErrors: string | null;
}

/** A shell script on the target nodes (a `RunScript` command); refused by agents that do not allow scripts. */
export interface RunStep extends StepBase {
  kind: 'run';
  script: string;
  nodes: NodeSelection;
  maxConcurrency: string | null;
  maxErrors: string | null;
}

/** Waits for approvals by users with one of the roles (in the execution's account, or org-admin). */
export interface ApproveStep extends StepBase {
  kind: 'approve';
  message: string;
  /** Account roles (`admin`, `operator`) or `org-admin` whose holders may approve or deny. */
  approverRoles: ('org-admin' | 'admin' | 'operator')[];
  /** Usernames who may approve, besides the roles (empty: roles only). */
  approvers: string[];
  /** Approvals needed; one denial ends the step as Denied (a failure). */
  minApprovals: number;
}

export interface WaitStep extends StepBase {
  kind: 'wait';
  /** Seconds to wait (0 when `secondsTemplate` gives them). */
  seconds: number;
  /**
   * `seconds: "{{ bakeSeconds }}"` in the YAML: the template, rendered when the step starts
   * (use `waitSeconds(step, vars)` from template.ts, which handles both forms).
   */
  secondsTemplate?: string;
}

/** An HTTP health check from the server (host on the admin allow-list) or a script on the nodes. */
export interface CheckStep extends StepBase {
  kind: 'check';
  http: { url: string; method: 'GET' | 'HEAD'; expectStatus: number[]; bodyContains: string | null } | null;
  script: { script: string; nodes: NodeSelection; expectExitCode: number } | null;
  /** Attempts after the first failed one, `intervalSeconds` apart. */
  retries: number;
  intervalSeconds: number;
}

export type BranchCondition =
  | { step: string; outcome: StepOutcome }
  | { parameter: string; equals: string };

/** Goes to the first choice whose condition holds, else `default`, else the next step. */
export interface BranchStep extends StepBase {
  kind: 'branch';
  choices: { when: BranchCondition; goto: string }[];
  default: string | null;
}

export type RunbookStep = PatchStep | RunStep | ApproveStep | WaitStep | CheckStep | BranchStep;

export interface RunbookParameter {
  name: string;
  type: 'string' | 'number' | 'boolean';
  description: string;
  /** Absent: the parameter is required when an execution starts. */
  default?: string | number | boolean;
  /** The only values allowed, when given. */
  allowed?: (string | number)[];
}

/**
 * Waves of an execution (the runbook's defaults; an execution may override them).
 * `canary` and `size` are counts (`1`) or percentages of the execution's nodes (`10%`); the
 * canary has at least one node when there are any. The execution halts (Failed, "halted") when the
 * failed nodes, summed over the waves so far, exceed `maxFailedNodes` (count or percentage), or the
 * failed checks exceed `maxFailedChecks`.
 */
export interface WavesSpec {
  canary: string;
  size: string;
  bakeSeconds: number;
  maxFailedNodes: string;
  maxFailedChecks: number;
}

export interface Runbook {
  /** `[a-z0-9][a-z0-9-]*`, unique in the account. */
  name: string;
  description: string;
  parameters: RunbookParameter[];
  waves: WavesSpec;
  steps: RunbookStep[];
}

export const DEFAULT_WAVES: WavesSpec = { canary: '1', size: '25%', bakeSeconds: 0, maxFailedNodes: '0', maxFailedChecks: 0 };
