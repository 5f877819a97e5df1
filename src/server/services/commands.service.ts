import { readableAccounts } from '../../domain/access.js';
import { AppError } from '../../domain/errors.js';
import { CommandParameters, SendCommandRequest, type CommandDetail, type CommandSummary, type Invocation } from '../../contracts/api.js';
import type { z } from 'zod';
import {
  newId,
  type CommandRecord,
  type Dialect,
  type NewAuditEntry,
  type Repositories,
  type InvocationRecord,
  type NewInvocation,
  type Page,
  type PageRequest,
  type SnapshotItemRecord,
  type SnapshotRecord,
} from '../../store/index.js';
import { deriveCommandStatus, refreshCommandStatus } from './command-status.js';
import { auditEntry, principalOf, requireAccountAccess, requireObjectAccess, systemContext, type Principal, type RequestContext, type ServiceDeps } from './context.js';
import { dispatchIn, expireAndDispatch } from './dispatch.js';
import { resolveEffectiveBaselines, type EffectiveBaseline } from './effective-baseline.js';
import type { InvocationNotifier } from './invocation-notifier.js';
import { explicitBaseline, freezeSnapshot, installListsFrom, maySnapshotBeUsed, nodesById } from './snapshots.service.js';
import { resolveTargets } from './targets.js';

function toInvocation(i: InvocationRecord, command: CommandRecord): Invocation {
  return {
    id: i.id,
    commandId: i.commandId,
    nodeId: i.nodeId,
    status: i.status as Invocation['status'],
    deliveredAt: i.deliveredAt,
    startedAt: i.startedAt,
    finishedAt: i.finishedAt,
    output: i.output,
    outcomes: i.result.outcomes,
    releasedAt: i.releasedAt,
    items: (i.parameters ?? command.parameters).items,
    exitCode: i.exitCode,
  };
}

function toSummary(c: CommandRecord, counts: Record<string, number>): CommandSummary {
  return {
    id: c.id,
    accountId: c.accountId,
    document: c.document,
    parameters: c.parameters,
    targets: c.targets,
    targetCount: c.targetCount,
    maxConcurrency: c.maxConcurrency,
    maxErrors: c.maxErrors,
    comment: c.comment,
    timeoutSeconds: c.timeoutSeconds,
    createdBy: c.createdBy,
    createdAt: c.createdAt,
    cancelledAt: c.cancelledAt,
    status: deriveCommandStatus(counts),
    counts,
  };
}

export { deriveCommandStatus, refreshCommandStatus } from './command-status.js';

/** Who creates a command: a user (principal) or the server itself (principal null, audited as `system` with the source). */
export interface CommandAuthor {
  ctx: RequestContext;
  principal: Principal | null;
  createdBy: string;
  source?: string;
}

/** A send request validated: the request with defaults and its parameters. */
export interface CheckedSendRequest {
  request: z.output<typeof SendCommandRequest>;
  parameters: CommandParameters;
}

/** Validates a send request (schema and the rules between document and parameters); throws AppError validation. */
export function checkSendRequest(input: SendCommandRequest): CheckedSendRequest {
  const parsed = CommandParameters.parse(input.parameters ?? {});
  const request = SendCommandRequest.parse(input);
  if (request.document === 'RunScript') {
    if (parsed.script === undefined) throw new AppError('validation', 'A RunScript runs parameters.script: give the script (e.g. {"script": "systemctl is-active nginx"}).');
    if (parsed.installOverrideList.length > 0 || parsed.snapshotId !== undefined || parsed.baselineId !== undefined) {
      throw new AppError('validation', 'A RunScript installs nothing; leave parameters.installOverrideList, snapshotId and baselineId out.');
    }
    return { request, parameters: parsed };
  }
  if (parsed.script !== undefined) throw new AppError('validation', `A ${request.document} runs no script; parameters.script is for RunScript.`);
  if (request.document === 'Scan' && parsed.installOverrideList.length > 0) throw new AppError('validation', 'A Scan installs nothing; leave parameters.installOverrideList empty.');
  if (request.document === 'Scan' && parsed.snapshotId !== undefined) throw new AppError('validation', 'A Scan installs nothing; parameters.snapshotId is for Installs.');
  if (parsed.installOverrideList.length > 0 && (parsed.snapshotId !== undefined || parsed.baselineId !== undefined)) {
    throw new AppError('validation', 'parameters.installOverrideList installs exactly its list: leave snapshotId and baselineId out (or drop the override list to install from a snapshot).');
  }
  if (parsed.snapshotId !== undefined && parsed.baselineId !== undefined) {
    throw new AppError('validation', 'A snapshot was frozen from its own baselines: give parameters.snapshotId or parameters.baselineId, not both.');
  }
  return { request, parameters: parsed };
}

/**
 * Creates a command and its invocations inside the transaction `tx` (targets resolved, Install
 * lists frozen, audited, first dispatch) — so that a caller (the automation engine) can create it
 * atomically with its own rows. Returns the command id and the nodes released (notify them after
 * the commit).
 */
export async function createCommandIn(tx: Repositories, dialect: Dialect, now: Date, accountId: string, checked: CheckedSendRequest, author: CommandAuthor): Promise<{ commandId: string; released: string[] }> {
  const { request, parameters: parsed } = checked;
  const commandId = newId('cmd');
  const { nodeIds } = await resolveTargets(tx, accountId, request.targets);
  const override = parsed.baselineId === undefined ? undefined : await explicitBaseline(tx, accountId, parsed.baselineId);
  const parameters: CommandParameters = { ...parsed, items: [] };
  let invocations: NewInvocation[] = nodeIds.map((nodeId) => ({ id: newId('inv'), nodeId }));
  let snapshotInfo: Record<string, unknown> = {};
  if (request.document === 'Install' && parsed.installOverrideList.length > 0) {
    // Every node installs exactly the override list (kept once, on the command).
    parameters.items = parsed.installOverrideList;
  } else if (request.document === 'Install') {
    const nodes = await nodesById(tx, nodeIds);
    let snapshot: SnapshotRecord;
    let items: SnapshotItemRecord[];
    let effective: Map<string, EffectiveBaseline>;
    if (parsed.snapshotId !== undefined) {
      const given = await tx.snapshots.get(parsed.snapshotId);
      const usable = given !== undefined && (author.principal === null ? given.accountId === accountId : maySnapshotBeUsed(author.principal, given.accountId, accountId));
      if (given === undefined || !usable) {
        throw new AppError('not_found', `Snapshot "${parsed.snapshotId}" does not exist in account "${accountId}"; list them with \`patchwarden snapshots list --account ${accountId}\`.`);
      }
      snapshot = given;
      items = await tx.snapshots.items(given.id);
      effective = await resolveEffectiveBaselines(tx, nodes);
    } else {
      ({ snapshot, items, effective } = await freezeSnapshot(tx, { accountId, nodes, override, description: `frozen by Install ${commandId}`, createdBy: author.createdBy, commandId, now }));
    }
    parameters.snapshotId = snapshot.id;
    const lists = await installListsFrom(tx, snapshot, items, nodes, effective);
    invocations = invocations.map((inv) => {
      const list = lists.get(inv.nodeId);
      if (list === undefined || 'error' in list) {
        return { ...inv, endedAs: { status: 'Failed' as const, output: `not started: ${list === undefined ? 'the node is unknown' : list.error}` } };
      }
      return { ...inv, parameters: { ...parameters, items: list.items } };
    });
    snapshotInfo = { snapshotId: snapshot.id, frozen: parsed.snapshotId === undefined, snapshotItems: items.length };
  }
  const command: CommandRecord = {
    id: commandId,
    accountId,
    document: request.document,
    parameters,
    targets: request.targets,
    targetCount: nodeIds.length,
    maxConcurrency: request.maxConcurrency ?? '50',
    maxErrors: request.maxErrors ?? '0',
    comment: request.comment ?? '',
    timeoutSeconds: request.timeoutSeconds ?? 3600,
    createdBy: author.createdBy,
    createdAt: now.toISOString(),
    cancelledAt: null,
    status: 'Pending',
  };
  await tx.commands.insert(command, invocations);
  await refreshCommandStatus(tx, commandId);
  const audit = {
    action: 'command.send',
    targetType: 'command',
    targetId: commandId,
    accountId,
    details: {
      document: request.document,
      targets: request.targets,
      nodes: nodeIds.length,
      maxConcurrency: command.maxConcurrency,
      maxErrors: command.maxErrors,
      parameters: { rebootOption: parameters.rebootOption, installOverrideList: parameters.installOverrideList.length, baselineId: parameters.baselineId, script: parameters.script === undefined ? undefined : parameters.script.length },
      ...snapshotInfo,
      ...(author.source === undefined ? {} : { source: author.source, createdBy: author.createdBy }),
    },
  };
  await tx.audit.append(author.principal === null ? systemAuditEntry(now, audit) : auditEntry(author.ctx, now, audit));
  const released = await dispatchIn(tx, dialect, commandId, now);
  return { commandId, released };
}

/** An audit entry of a change the server made on its own (actor `system`). */
export function systemAuditEntry(
  at: Date,
  e: { action: string; outcome?: NewAuditEntry['outcome']; targetType?: string | null; targetId?: string | null; accountId?: string | null; details?: Record<string, unknown>; requestId?: string },
): NewAuditEntry {
  return {
    at: at.toISOString(),
    actorType: 'system',
    actorId: null,
    actorName: 'system',
    via: null,
    action: e.action,
    outcome: e.outcome ?? 'success',
    targetType: e.targetType ?? null,
    targetId: e.targetId ?? null,
    accountId: e.accountId ?? null,
    ip: 'local',
    userAgent: null,
    requestId: e.requestId ?? 'system',
    details: e.details ?? {},
  };
}

/** Scan, Install and RunScript commands sent to nodes, one invocation per node. */
export class CommandsService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly notifier: InvocationNotifier,
  ) {}

  async send(ctx: RequestContext, accountId: string, input: SendCommandRequest): Promise<CommandDetail> {
    const principal = requireAccountAccess(ctx, accountId, 'operate');
    return this.sendChecked(accountId, input, { ctx, principal, createdBy: principal.username });
  }

  /**
   * Sends a command on behalf of the server (maintenance windows, patch policies): the same
   * validation and rate control as `send`, without a principal; audited with actor `system` and
   * the source.
   */
  async sendAsSystem(accountId: string, request: SendCommandRequest, by: { createdBy: string; source: string }): Promise<CommandDetail> {
    return this.sendChecked(accountId, request, { ctx: systemContext(`system:${by.source}`), principal: null, createdBy: by.createdBy, source: by.source });
  }

  private async sendChecked(accountId: string, input: SendCommandRequest, author: CommandAuthor): Promise<CommandDetail> {
    if ((await this.deps.store.accounts.get(accountId)) === undefined) throw new AppError('not_found', `Account "${accountId}" does not exist or is not yours to see.`);
    const checked = checkSendRequest(input);
    const now = this.deps.clock();
    const { commandId, released } = await this.deps.store.transaction((tx) => createCommandIn(tx, this.deps.store.dialect, now, accountId, checked, author));
    this.notify(released);
    return this.detail(commandId);
  }

  /** Wakes the long-polls of nodes whose invocations were released (after the transaction committed). */
  notify(nodeIds: readonly string[]): void {
    for (const nodeId of nodeIds) this.notifier.notify(nodeId);
  }

  private async detail(commandId: string): Promise<CommandDetail> {
    const command = await this.deps.store.commands.get(commandId);
    if (command === undefined) throw new AppError('not_found', `Command "${commandId}" does not exist.`);
    const invocations = await this.deps.store.commands.invocations(commandId);
    const counts: Record<string, number> = {};
    for (const i of invocations) counts[i.status] = (counts[i.status] ?? 0) + 1;
    return { ...toSummary(command, counts), invocations: invocations.map((i) => toInvocation(i, command)) };
  }

  private async command(ctx: RequestContext, commandId: string, action: 'read' | 'operate'): Promise<CommandRecord> {
    const hidden = `Command "${commandId}" does not exist or is not yours to see; list commands with \`patchwarden commands list\`.`;
    principalOf(ctx);
    const command = await this.deps.store.commands.get(commandId);
    if (command === undefined) throw new AppError('not_found', hidden);
    requireObjectAccess(ctx, command.accountId, action, hidden);
    return command;
  }

  async get(ctx: RequestContext, commandId: string): Promise<CommandDetail> {
    await this.command(ctx, commandId, 'read');
    await this.expireOverdue();
    return this.detail(commandId);
  }

  /** Ends invocations past their deadline (Undeliverable / TimedOut), so reads show the truth, and dispatches what that frees. */
  private async expireOverdue(): Promise<void> {
    await expireAndDispatch(this.deps, this.notifier);
  }

  /** Filters narrow what the caller may read: a foreign accountId or nodeId gives an empty page, as an unknown one. */
  async list(ctx: RequestContext, query: PageRequest & { accountId?: string | undefined; document?: string | undefined; nodeId?: string | undefined }): Promise<Page<CommandSummary>> {
    await this.expireOverdue();
    const page = await this.deps.store.commands.list({ accounts: readableAccounts(principalOf(ctx)), accountId: query.accountId, document: query.document, nodeId: query.nodeId }, query);
    const counts = await this.deps.store.commands.counts(page.items.map((c) => c.id));
    return { ...page, items: page.items.map((c) => toSummary(c, counts.get(c.id) ?? {})) };
  }

  /** Cancels what was not delivered yet (waiting or released); invocations already running finish and report. */
  async cancel(ctx: RequestContext, commandId: string): Promise<CommandDetail> {
    const command = await this.command(ctx, commandId, 'operate');
    const now = this.deps.clock();
    await this.deps.store.transaction(async (tx) => {
      const cancelled = await tx.commands.cancelPending(commandId, now.toISOString());
      await refreshCommandStatus(tx, commandId);
      await tx.audit.append(auditEntry(ctx, now, { action: 'command.cancel', targetType: 'command', targetId: commandId, accountId: command.accountId, details: { cancelled } }));
    });
    return this.detail(commandId);
  }
}
