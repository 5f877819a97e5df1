import { z } from 'zod';
import { FreeText, Id, Timestamp, listQuery, page } from './common.js';
import { defineEndpoint } from './endpoint.js';

export const CommandDocument = z.enum(['Scan', 'Install']);
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
  /** The exact list one node installs: set by the server on each invocation (from the snapshot or the override list); ignored when sent. */
  items: z.array(InstallItem).max(5000).default([]),
});
export type CommandParameters = z.infer<typeof CommandParameters>;

/** How the command chose its nodes (kept as given, for issue 5's tag and group targets). */
export const CommandTargets = z.object({ nodeIds: z.array(Id) });
export type CommandTargets = z.infer<typeof CommandTargets>;

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
});
export type Invocation = z.infer<typeof Invocation>;

export const CommandSummary = z.object({
  id: Id,
  accountId: Id,
  document: CommandDocument,
  parameters: CommandParameters,
  targets: CommandTargets,
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
  nodeIds: z.array(Id).min(1).max(1000),
  parameters: CommandParameters.optional(),
  /** How long an invocation may take from delivery (60 s – 2 days, default 1 hour). */
  timeoutSeconds: z.number().int().min(60).max(172_800).optional(),
});
/** A request as sent (defaults of the parameters may be left out). */
export type SendCommandRequest = z.input<typeof SendCommandRequest>;

export const CommandParams = z.strictObject({ commandId: Id });

export const sendCommand = defineEndpoint({
  operationId: 'sendCommand',
  method: 'POST',
  path: '/api/v1/accounts/{accountId}/commands',
  tag: 'Commands',
  summary: 'Send a Scan or Install to nodes of an account',
  description: 'One invocation per node; the nodes must be registered in the account. An Install takes `parameters.installOverrideList` (exact packages and versions).',
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
  query: listQuery(['createdAt'], '-createdAt').extend({ accountId: Id.optional(), document: CommandDocument.optional() }),
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
  summary: 'Cancel a command: its invocations not yet delivered end Cancelled',
  auth: 'authenticated',
  access: 'operator or admin of the account; org-admin',
  params: CommandParams,
  response: CommandDetail,
  successStatus: 200,
  audit: 'command.cancel',
});
