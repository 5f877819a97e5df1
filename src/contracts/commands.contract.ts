import { z } from 'zod';
import { FreeText, Id, Timestamp, listQuery, page } from './common.js';
import { parseRateLimit } from '../domain/targets.js';
import { defineEndpoint } from './endpoint.js';
import { Targets } from './targets.contract.js';

/** `RunScript` (runbook `run` and script `check` steps) runs `parameters.script` with /bin/sh on agents that allow scripts. */
export const CommandDocument = z.enum(['Scan', 'Install', 'RunScript']);
export type CommandDocument = z.infer<typeof CommandDocument>;

export const RebootOption = z.enum(['RebootIfNeeded', 'NoReboot', 'Always']);
export type RebootOption = z.infer<typeof RebootOption>;

export const InvocationStatus = z.enum(['Pending', 'InProgress', 'Success', 'Failed', 'TimedOut', 'Cancelled', 'Undeliverable']);
export type InvocationStatus = z.infer<typeof InvocationStatus>;

/** A command's status, derived from its invocations. */
export const CommandStatus = z.enum(['Pending', 'InProgress', 'Success', 'Failed', 'Cancelled']);
export type CommandStatus = z.infer<typeof CommandStatus>;

const PackageName = FreeText(1, 256);

/** One exact package version an Install must end with. */
export const InstallItem = z.strictObject({
  name: PackageName,
  arch: FreeText(1, 32).optional(),
  version: FreeText(1, 256),
});
export type InstallItem = z.infer<typeof InstallItem>;

/** Parameters of an operation. */
export const CommandParameters = z.strictObject({
  rebootOption: RebootOption.default('RebootIfNeeded'),
  /** Install: exactly these packages and versions, skipping the baseline (SSM InstallOverrideList). */
  installOverrideList: z.array(InstallItem).max(5000).default([]),
  /** Install: install from this snapshot (else one is frozen from the effective baselines when the Install starts). */
  snapshotId: Id.optional(),
  /** Scan/Install: evaluate with this baseline instead of each node's effective one (explicit override). */
  baselineId: Id.optional(),
  /** RunScript: the script, run by `/bin/sh -c` as the agent's user (root) on agents with `"allowScripts": true`. */
  script: z.string().min(1).max(65_536).optional(),
  /** The exact list one node installs: set by the server on each invocation (from the snapshot or the override list); ignored when sent. */
  items: z.array(InstallItem).max(5000).default([]),
});
export type CommandParameters = z.infer<typeof CommandParameters>;

/** How the command chose its nodes, kept as given (resolved to nodes when the command is sent). */
export const CommandTargets = Targets;
export type CommandTargets = z.infer<typeof CommandTargets>;

/**
 * A rate limit: a whole number of nodes (`10`) or a percentage of the targets (`25%`), as text or
 * a number. Normalised to text (`"10"`, `"25%"`).
 */
function rateLimit(field: string, min: number) {
  return z.union([z.number(), z.string().max(16)]).transform((v, ctx) => {
    const text = String(v).trim();
    const parsed = parseRateLimit(text);
    if (parsed === null || parsed.value < min || (typeof v === 'number' && !Number.isInteger(v))) {
      ctx.addIssue({
        code: 'custom',
        message: `${field} "${String(v)}" is not a rate limit: give a whole number of nodes${min > 0 ? ` (at least ${min})` : ''} such as 10, or a percentage of the targets such as 25%`,
      });
      return z.NEVER;
    }
    return parsed.kind === 'percent' ? `${parsed.value}%` : String(parsed.value);
  });
}
export const MaxConcurrency = rateLimit('maxConcurrency', 1);
export const MaxErrors = rateLimit('maxErrors', 0);

/** Per-patch outcome reported by the agent (the shape of the agent driver's InstallOutcome). */
export const PatchOutcome = z.strictObject({
  name: z.string().min(1).max(256),
  arch: z.string().max(32),
  requestedVersion: z.string().max(256),
  installedVersion: z.string().max(256).nullable(),
  state: z.string().min(1).max(64),
  message: z.string().max(2000).optional(),
});
export type PatchOutcome = z.infer<typeof PatchOutcome>;

export const InvocationResult = z.object({
  outcomes: z.array(PatchOutcome),
  rebootRequired: z.boolean().optional(),
});

export const Invocation = z.object({
  id: Id,
  commandId: Id,
  nodeId: Id,
  status: InvocationStatus,
  deliveredAt: Timestamp.nullable(),
  startedAt: Timestamp.nullable(),
  finishedAt: Timestamp.nullable(),
  output: z.string(),
  outcomes: z.array(PatchOutcome),
  /** When rate control let it go to its node; null while it waits (status Pending). */
  releasedAt: Timestamp.nullable(),
  /** Install: the exact list this node installs (from the override list or the snapshot). */
  items: z.array(InstallItem),
  /** RunScript: the script's exit code (null until it ran, or when it was killed). */
  exitCode: z.number().int().nullable(),
});
export type Invocation = z.infer<typeof Invocation>;

export const CommandSummary = z.object({
  id: Id,
  accountId: Id,
  document: CommandDocument,
  parameters: CommandParameters,
  targets: CommandTargets,
  /** How many nodes the targets resolved to when the command was sent. */
  targetCount: z.number().int(),
  /** At most this many invocations run at once (`10` or `25%` of the targets). */
  maxConcurrency: z.string(),
  /** Dispatching stops once failures exceed this (`0` or `10%` of the targets). */
  maxErrors: z.string(),
  comment: z.string(),
  timeoutSeconds: z.number().int(),
  createdBy: z.string().nullable(),
  createdAt: Timestamp,
  cancelledAt: Timestamp.nullable(),
  status: CommandStatus,
  /** Invocations per status. */
  counts: z.record(z.string(), z.number().int()),
});
export type CommandSummary = z.infer<typeof CommandSummary>;

export const CommandDetail = CommandSummary.extend({ invocations: z.array(Invocation) });
export type CommandDetail = z.infer<typeof CommandDetail>;

export const SendCommandRequest = z.strictObject({
  document: CommandDocument,
  /** Node ids, tag filters, resource groups or every node of the account (at least one; the union of the nodes they match). */
  targets: Targets,
  parameters: CommandParameters.optional(),
  /** At most this many invocations run at once: `10` or `25%` of the targets (default 50). */
  maxConcurrency: MaxConcurrency.optional(),
  /** Stop dispatching once more than this many invocations failed: `0` or `10%` (default 0). */
  maxErrors: MaxErrors.optional(),
  /** How long an invocation may take from its release (60 s – 2 days, default 1 hour). */
  timeoutSeconds: z.number().int().min(60).max(172_800).optional(),
  comment: FreeText(0, 500).optional(),
});
/** A request as sent (defaults of the parameters may be left out). */
export type SendCommandRequest = z.input<typeof SendCommandRequest>;

export const CommandParams = z.strictObject({ commandId: Id });

export const sendCommand = defineEndpoint({
  operationId: 'sendCommand',
  method: 'POST',
  path: '/api/v1/accounts/{accountId}/commands',
  tag: 'Commands',
  summary: 'Send a Scan, Install or RunScript to targets of an account',
  description:
    'Targets (node ids, tag filters, resource groups, allNodes) are resolved now to the registered nodes of the account: one invocation per node. ' +
    'Rate control: at most `maxConcurrency` invocations run at once, the others wait (Pending, not released); once failures exceed `maxErrors` the waiting ones end Cancelled. ' +
    'An Install installs `parameters.installOverrideList` on every node when given; otherwise each node gets its own list from the snapshot `parameters.snapshotId`, ' +
    'or from a snapshot frozen now from the effective baselines of the targets (`parameters.baselineId` overrides them for nodes of its OS). ' +
    'A RunScript runs `parameters.script` with /bin/sh on agents configured with `"allowScripts": true` (others refuse it: Failed); it takes no install parameters.',
  auth: 'authenticated',
  access: 'operator or admin of the account; org-admin',
  params: z.strictObject({ accountId: Id }),
  body: SendCommandRequest,
  response: CommandDetail,
  audit: 'command.send',
});

export const listCommands = defineEndpoint({
  operationId: 'listCommands',
  method: 'GET',
  path: '/api/v1/commands',
  tag: 'Commands',
  summary: 'List commands of the accounts you can see',
  auth: 'authenticated',
  access: 'any user (own accounts); organization roles see all',
  // nodeId: the commands with an invocation on that node (the node page's "commands that touched it").
  query: listQuery(['createdAt'], '-createdAt').extend({ accountId: Id.optional(), document: CommandDocument.optional(), nodeId: Id.optional() }),
  response: page(CommandSummary),
});

export const getCommand = defineEndpoint({
  operationId: 'getCommand',
  method: 'GET',
  path: '/api/v1/commands/{commandId}',
  tag: 'Commands',
  summary: 'Show a command and its invocations',
  auth: 'authenticated',
  access: 'viewer of the account; organization roles',
  params: CommandParams,
  response: CommandDetail,
});

export const cancelCommand = defineEndpoint({
  operationId: 'cancelCommand',
  method: 'POST',
  path: '/api/v1/commands/{commandId}/cancel',
  tag: 'Commands',
  summary: 'Cancel a command: its invocations waiting or not yet delivered end Cancelled',
  auth: 'authenticated',
  access: 'operator or admin of the account; org-admin',
  params: CommandParams,
  response: CommandDetail,
  successStatus: 200,
  audit: 'command.cancel',
});
