import { readableAccounts } from '../../domain/access.js';
import { AppError } from '../../domain/errors.js';
import { CommandParameters, type CommandDetail, type CommandStatus, type CommandSummary, type Invocation, type SendCommandRequest } from '../../contracts/api.js';
import { newId, type CommandRecord, type InvocationRecord, type Page, type PageRequest, type Repositories } from '../../store/index.js';
import { auditEntry, principalOf, requireAccountAccess, requireObjectAccess, type RequestContext, type ServiceDeps } from './context.js';
import type { InvocationNotifier } from './invocation-notifier.js';

const ACTIVE = new Set(['Pending', 'InProgress']);

/**
 * A command's status from its invocations: Pending while none started, InProgress while any runs,
 * then Success when all succeeded, Cancelled when cancelled without failures, else Failed.
 */
export function deriveCommandStatus(counts: Record<string, number>): CommandStatus {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const n = (s: string) => counts[s] ?? 0;
  if (total === 0) return 'Success';
  if (n('Pending') === total) return 'Pending';
  if (Object.keys(counts).some((s) => ACTIVE.has(s) && n(s) > 0)) return 'InProgress';
  if (n('Success') === total) return 'Success';
  if (n('Failed') + n('TimedOut') + n('Undeliverable') > 0) return 'Failed';
  return 'Cancelled';
}

function toInvocation(i: InvocationRecord): Invocation {
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
  };
}

function toSummary(c: CommandRecord, counts: Record<string, number>): CommandSummary {
  return {
    id: c.id,
    accountId: c.accountId,
    document: c.document,
    parameters: c.parameters,
    targets: c.targets,
    timeoutSeconds: c.timeoutSeconds,
    createdBy: c.createdBy,
    createdAt: c.createdAt,
    cancelledAt: c.cancelledAt,
    status: deriveCommandStatus(counts),
    counts,
  };
}

/** Stores the derived status on the command (for listing and, later, for rate control). */
export async function refreshCommandStatus(tx: Repositories, commandId: string): Promise<void> {
  const counts = (await tx.commands.counts([commandId])).get(commandId) ?? {};
  await tx.commands.setStatus(commandId, deriveCommandStatus(counts));
}

/** Scan and Install commands sent to nodes, one invocation per node. */
export class CommandsService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly notifier: InvocationNotifier,
  ) {}

  async send(ctx: RequestContext, accountId: string, input: SendCommandRequest): Promise<CommandDetail> {
    const principal = requireAccountAccess(ctx, accountId, 'operate');
    if ((await this.deps.store.accounts.get(accountId)) === undefined) throw new AppError('not_found', `Account "${accountId}" does not exist or is not yours to see.`);
    const parsed = CommandParameters.parse(input.parameters ?? {});
    if (input.document === 'Install' && parsed.installOverrideList.length === 0) {
      throw new AppError('validation', 'An Install needs parameters.installOverrideList: the exact packages and versions to install (e.g. --item openssl=3.0.15-1~deb12u1).');
    }
    if (input.document === 'Scan' && parsed.installOverrideList.length > 0) throw new AppError('validation', 'A Scan installs nothing; leave parameters.installOverrideList empty.');
    const parameters = { ...parsed, items: parsed.installOverrideList };
    const nodeIds = [...new Set(input.nodeIds)];
    for (const nodeId of nodeIds) {
      const node = await this.deps.store.nodes.get(nodeId);
      if (node === undefined || node.accountId !== accountId) throw new AppError('not_found', `Node "${nodeId}" is not registered in account "${accountId}"; list them with \`patchwarden nodes list --account ${accountId}\`.`);
      if (node.deregisteredAt !== null) throw new AppError('conflict', `Node "${nodeId}" is deregistered; it cannot receive commands.`);
    }
    const now = this.deps.clock();
    const command: CommandRecord = {
      id: newId('cmd'),
      accountId,
      document: input.document,
      parameters,
      targets: { nodeIds },
      timeoutSeconds: input.timeoutSeconds ?? 3600,
      createdBy: principal.username,
      createdAt: now.toISOString(),
      cancelledAt: null,
      status: 'Pending',
    };
    await this.deps.store.transaction(async (tx) => {
      await tx.commands.insert(
        command,
        nodeIds.map((nodeId) => ({ id: newId('inv'), nodeId })),
      );
      await tx.audit.append(
        auditEntry(ctx, now, { action: 'command.send', targetType: 'command', targetId: command.id, accountId, details: { document: input.document, nodeIds, parameters } }),
      );
    });
    for (const nodeId of nodeIds) this.notifier.notify(nodeId);
    return this.detail(command.id);
  }

  private async detail(commandId: string): Promise<CommandDetail> {
    const command = await this.deps.store.commands.get(commandId);
    if (command === undefined) throw new AppError('not_found', `Command "${commandId}" does not exist.`);
    const invocations = await this.deps.store.commands.invocations(commandId);
    const counts: Record<string, number> = {};
    for (const i of invocations) counts[i.status] = (counts[i.status] ?? 0) + 1;
    return { ...toSummary(command, counts), invocations: invocations.map(toInvocation) };
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

  /** Ends invocations past their deadline (Undeliverable / TimedOut), so reads show the truth. */
  private async expireOverdue(): Promise<void> {
    await this.deps.store.transaction(async (tx) => {
      for (const commandId of await tx.commands.expireOverdue(this.deps.clock().toISOString())) await refreshCommandStatus(tx, commandId);
    });
  }

  async list(ctx: RequestContext, query: PageRequest & { accountId?: string | undefined; document?: string | undefined }): Promise<Page<CommandSummary>> {
    await this.expireOverdue();
    const page = await this.deps.store.commands.list({ accounts: readableAccounts(principalOf(ctx)), accountId: query.accountId, document: query.document }, query);
    const counts = await this.deps.store.commands.counts(page.items.map((c) => c.id));
    return { ...page, items: page.items.map((c) => toSummary(c, counts.get(c.id) ?? {})) };
  }

  /** Cancels what was not delivered yet; invocations already running finish and report. */
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
