import { AppError } from '../../domain/errors.js';
import type {
  AgentInvocation,
  AgentSettings,
  EnrollRequest,
  EnrollResponse,
  InventoryAccepted,
  InventoryDelta,
  InvocationResultRequest,
  InvocationResultResponse,
} from '../../contracts/api.js';
import type { Inventory } from '../../contracts/inventory.contract.js';
import { newNodeCredential, newNodeId } from '../auth/node-credentials.js';
import { safeEqual, sha256 } from '../auth/secrets.js';
import { refreshCommandStatus } from './commands.service.js';
import { auditEntry, nodeOf, type RequestContext, type ServiceDeps } from './context.js';
import { dispatchCommand, expireAndDispatch } from './dispatch.js';
import type { InvocationNotifier } from './invocation-notifier.js';
import { ComplianceService } from './compliance.service.js';

/** The output kept per invocation (the end of it: where the errors are). */
const MAX_OUTPUT = 64 * 1024;
/** Invocations handed out per poll. */
const MAX_PER_POLL = 20;

class ReplayResult extends Error {}

/** The agent protocol: enrollment, heartbeats, inventories, command delivery and results. */
export class AgentService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly notifier: InvocationNotifier,
    /** Evaluates a node's compliance after its inventory or a result is stored. */
    private readonly compliance: ComplianceService = new ComplianceService(deps),
  ) {}

  private settings(inventoryRevision: number): AgentSettings {
    return {
      heartbeatIntervalSeconds: this.deps.config.agentHeartbeatSeconds,
      maxWaitSeconds: 60,
      serverTime: this.deps.clock().toISOString(),
      inventoryRevision,
      securityCves: this.deps.config.agentSecurityCves,
    };
  }

  /**
   * Exchanges an activation for a node and its credential. Wrong ids or codes and unusable
   * activations count as failures of the client address (the sign-in limit's mechanism).
   */
  async enroll(ctx: RequestContext, input: EnrollRequest): Promise<EnrollResponse> {
    const { store, config } = this.deps;
    const now = this.deps.clock();
    const since = new Date(now.getTime() - config.loginWindowMinutes * 60_000).toISOString();
    const attemptKey = `enroll:${input.activationId}`;
    const failures = await store.loginAttempts.failuresSince(attemptKey, ctx.ip, since);
    const actorName = `activation ${input.activationId}`;
    if (failures.byIp >= config.enrollMaxFailuresPerIp) {
      const oldest = failures.oldestIp ?? now.toISOString();
      const retryAfterSeconds = Math.max(1, Math.ceil((Date.parse(oldest) + config.loginWindowMinutes * 60_000 - now.getTime()) / 1000));
      await store.audit.append(auditEntry(ctx, now, { action: 'node.enroll', outcome: 'denied', actorName, targetType: 'activation', targetId: input.activationId, details: { reason: 'rate_limited' } }));
      throw new AppError('rate_limited', `Too many failed enrollments from your address; try again in ${retryAfterSeconds} s.`, { details: { retryAfterSeconds } });
    }
    const refuse = async (reason: string, code: 'unauthenticated' | 'forbidden', message: string, accountId: string | null = null): Promise<never> => {
      await store.loginAttempts.record(attemptKey, ctx.ip, false, now.toISOString());
      await store.audit.append(auditEntry(ctx, now, { action: 'node.enroll', outcome: 'failure', actorName, targetType: 'activation', targetId: input.activationId, accountId, details: { reason, hostname: input.hostname } }));
      throw new AppError(code, message);
    };
    const activation = await store.activations.get(input.activationId);
    if (activation === undefined || !safeEqual(activation.codeHash, sha256(input.activationCode))) {
      return refuse('bad_code', 'unauthenticated', 'The activation id or code is wrong; copy both from `patchwarden activations create` (the code is shown only once).');
    }
    const unusable = (): string | undefined => {
      if (activation.revokedAt !== null) return `Activation ${activation.id} was revoked at ${activation.revokedAt}; ask an admin of the account for a new one.`;
      if (activation.expiresAt <= now.toISOString()) return `Activation ${activation.id} expired at ${activation.expiresAt}; ask an admin of the account for a new one.`;
      if (activation.registrationsUsed >= activation.registrationLimit) return `Activation ${activation.id} has registered its limit of ${activation.registrationLimit} node(s); ask an admin of the account for a new one.`;
      return undefined;
    };
    const early = unusable();
    if (early !== undefined) return refuse('unusable', 'forbidden', early, activation.accountId);
    const nodeId = newNodeId();
    const { credential, secretHash } = newNodeCredential(nodeId);
    const taken = await store.transaction(async (tx) => {
      if (!(await tx.activations.consume(activation.id, now.toISOString()))) return false;
      await tx.nodes.insert({
        id: nodeId,
        accountId: activation.accountId,
        activationId: activation.id,
        secretHash,
        hostname: input.hostname,
        platform: input.platform,
        agentVersion: input.agentVersion,
        tags: activation.defaultTags,
        now: now.toISOString(),
      });
      await tx.audit.append(
        auditEntry(ctx, now, {
          action: 'node.enroll',
          actorName,
          targetType: 'node',
          targetId: nodeId,
          accountId: activation.accountId,
          details: { activationId: activation.id, hostname: input.hostname, osId: input.platform.osId, agentVersion: input.agentVersion },
        }),
      );
      return true;
    });
    if (!taken) {
      // Another enrollment took the last registration meanwhile.
      activation.registrationsUsed = activation.registrationLimit;
      return refuse('unusable', 'forbidden', unusable() ?? `Activation ${activation.id} can no longer be used.`, activation.accountId);
    }
    return { nodeId, nodeSecret: credential, accountId: activation.accountId, serverTime: now.toISOString() };
  }

  async heartbeat(ctx: RequestContext, agentVersion: string | undefined): Promise<AgentSettings> {
    const node = nodeOf(ctx);
    await this.deps.store.nodes.touch(node.nodeId, this.deps.clock().toISOString(), agentVersion);
    const record = await this.deps.store.nodes.get(node.nodeId);
    return this.settings(record?.inventoryRevision ?? 0);
  }

  /** Replaces the inventory in one transaction (a report refused by validation never reaches here). */
  async putInventory(ctx: RequestContext, inventory: Inventory): Promise<InventoryAccepted> {
    const node = nodeOf(ctx);
    const now = this.deps.clock().toISOString();
    const revision = await this.deps.store.transaction((tx) => tx.nodes.replaceInventory(node.nodeId, inventory, now));
    await this.compliance.evaluateQuietly(node.nodeId, { operation: 'Inventory' });
    return this.accepted(node.nodeId, revision);
  }

  async patchInventory(ctx: RequestContext, delta: InventoryDelta): Promise<InventoryAccepted> {
    const node = nodeOf(ctx);
    const now = this.deps.clock().toISOString();
    const revision = await this.deps.store.transaction((tx) => tx.nodes.applyDelta(node.nodeId, delta, now));
    if (revision === undefined) {
      const current = (await this.deps.store.nodes.get(node.nodeId))?.inventoryRevision ?? 0;
      throw new AppError('conflict', `The server holds inventory revision ${current}, not ${delta.baseRevision}; send a full inventory (PUT /api/v1/agent/inventory).`, {
        details: { revision: current },
      });
    }
    await this.compliance.evaluateQuietly(node.nodeId, { operation: 'Inventory' });
    return this.accepted(node.nodeId, revision);
  }

  private async accepted(nodeId: string, revision: number): Promise<InventoryAccepted> {
    const record = await this.deps.store.nodes.get(nodeId);
    return { revision, packages: record?.packageCount ?? 0, updates: record?.updateCount ?? 0 };
  }

  /**
   * Long-poll: claims the node's pending invocations; when there are none, waits up to `waitSeconds`,
   * woken by commands sent through this process and checking the database every agentPollCheckMs
   * for commands sent through other replicas.
   */
  async poll(ctx: RequestContext, waitSeconds: number, gone?: AbortSignal): Promise<{ invocations: AgentInvocation[]; serverTime: string }> {
    const node = nodeOf(ctx);
    const deadline = Date.now() + waitSeconds * 1000;
    await this.deps.store.nodes.touch(node.nodeId, this.deps.clock().toISOString());
    // Read through a function: the signal changes while this method awaits.
    const hungUp = (): boolean => gone?.aborted === true;
    for (;;) {
      // The agent hung up: hand out nothing (an invocation claimed now would reach nobody).
      if (hungUp()) return { invocations: [], serverTime: this.deps.clock().toISOString() };
      const invocations = await this.claim(node.nodeId);
      if (hungUp() && invocations.length > 0) {
        await this.release(invocations);
        return { invocations: [], serverTime: this.deps.clock().toISOString() };
      }
      const left = deadline - Date.now();
      if (invocations.length > 0 || left <= 0 || this.notifier.isClosed) return { invocations, serverTime: this.deps.clock().toISOString() };
      await this.notifier.wait(node.nodeId, Math.min(left, this.deps.config.agentPollCheckMs));
      const current = await this.deps.store.nodes.get(node.nodeId);
      if (current === undefined || current.deregisteredAt !== null) throw new AppError('unauthenticated', 'This node was deregistered; enroll it again with `patchwarden agent enroll`.');
    }
  }

  private async claim(nodeId: string): Promise<AgentInvocation[]> {
    const { store } = this.deps;
    const out: AgentInvocation[] = [];
    await this.expire(nodeId);
    for (const id of await store.commands.pendingOf(nodeId, MAX_PER_POLL)) {
      const at = this.deps.clock();
      const invocation = await store.commands.invocation(id);
      const command = invocation === undefined ? undefined : await store.commands.get(invocation.commandId);
      if (command === undefined) continue;
      // From delivery the agent has the command's timeout to report, else the invocation is TimedOut.
      const deadline = new Date(at.getTime() + command.timeoutSeconds * 1000).toISOString();
      const claimed = await store.transaction(async (tx) => {
        if (!(await tx.commands.claim(id, at.toISOString(), deadline))) return false;
        await refreshCommandStatus(tx, command.id);
        return true;
      });
      if (claimed) {
        // An Install's own list of this node (from its snapshot), else the command's parameters.
        const parameters = invocation?.parameters ?? command.parameters;
        out.push({ invocationId: id, commandId: command.id, document: command.document, parameters, timeoutSeconds: command.timeoutSeconds, deliveredAt: at.toISOString() });
      }
    }
    return out;
  }

  /** Puts claimed invocations back to Pending (their poll's connection closed before the answer). */
  async release(invocations: readonly AgentInvocation[]): Promise<void> {
    const { store } = this.deps;
    for (const inv of invocations) {
      const command = await store.commands.get(inv.commandId);
      if (command === undefined) continue;
      const pendingDeadline = new Date(Date.parse(command.createdAt) + command.timeoutSeconds * 1000).toISOString();
      await store.transaction(async (tx) => {
        if (await tx.commands.unclaim(inv.invocationId, pendingDeadline)) await refreshCommandStatus(tx, command.id);
      });
    }
  }

  /** Ends this node's invocations past their deadline (Undeliverable / TimedOut), and dispatches what that frees. */
  private async expire(nodeId: string): Promise<void> {
    await expireAndDispatch(this.deps, this.notifier, nodeId);
  }

  /** A Scan or Install result: the node's compliance, with the Install's outcomes and the command's snapshot and override. */
  private async evaluateResult(nodeId: string, commandId: string, input: InvocationResultRequest): Promise<void> {
    const command = await this.deps.store.commands.get(commandId);
    // A script changes no packages the server knows of: no compliance evaluation.
    if (command === undefined || command.document === 'RunScript') return;
    const p = command.parameters;
    await this.compliance.evaluateQuietly(nodeId, {
      operation: command.document === 'Install' ? 'Install' : 'Scan',
      commandId,
      snapshotId: p.snapshotId ?? null,
      ...(p.baselineId === undefined ? {} : { baselineOverrideId: p.baselineId }),
      ...(command.document === 'Install'
        ? { install: { at: input.finishedAt, rebootOption: p.rebootOption, outcomes: input.outcomes, overrideList: p.installOverrideList.length > 0 } }
        : {}),
    });
  }

  /** Records a result exactly once: the same idempotency key again answers the first answer. */
  async result(ctx: RequestContext, input: InvocationResultRequest): Promise<InvocationResultResponse> {
    const node = nodeOf(ctx);
    const notMine = `Invocation "${input.invocationId}" is not one of this node's; results go only to invocations delivered to it.`;
    const before = await this.deps.store.commands.invocation(input.invocationId);
    if (before === undefined || before.nodeId !== node.nodeId) throw new AppError('not_found', notMine);
    const replay = (key: string | null, response: unknown): InvocationResultResponse => {
      if (key === input.idempotencyKey) return response as InvocationResultResponse;
      throw new AppError('conflict', `A result for invocation ${input.invocationId} is recorded already (under another idempotency key).`);
    };
    if (before.idempotencyKey !== null) return replay(before.idempotencyKey, before.response);
    // A late result of a TimedOut invocation is still the truth about the host: it is recorded.
    if (!['InProgress', 'Pending', 'TimedOut'].includes(before.status)) {
      throw new AppError('conflict', `Invocation ${input.invocationId} is ${before.status}; it takes no result.`);
    }
    const now = this.deps.clock();
    const output = input.output.length > MAX_OUTPUT ? `…[truncated]\n${input.output.slice(-MAX_OUTPUT)}` : input.output;
    try {
      const answer = await this.deps.store.transaction(async (tx) => {
        const revision = input.inventory === undefined ? null : await tx.nodes.replaceInventory(node.nodeId, input.inventory, now.toISOString());
        const response: InvocationResultResponse = { invocationId: input.invocationId, status: input.status, inventoryRevision: revision };
        const stored = await tx.commands.finish(input.invocationId, {
          status: input.status,
          startedAt: input.startedAt,
          finishedAt: input.finishedAt,
          output,
          result: { outcomes: input.outcomes, ...(input.rebootRequired === undefined ? {} : { rebootRequired: input.rebootRequired }) },
          idempotencyKey: input.idempotencyKey,
          response,
          ...(input.exitCode === undefined ? {} : { exitCode: input.exitCode }),
        });
        if (!stored) throw new ReplayResult();
        await refreshCommandStatus(tx, before.commandId);
        const command = await tx.commands.get(before.commandId);
        await tx.audit.append(
          auditEntry(ctx, now, {
            action: 'command.result',
            targetType: 'invocation',
            targetId: input.invocationId,
            accountId: command?.accountId ?? node.accountId,
            details: { commandId: before.commandId, status: input.status, outcomes: input.outcomes.length },
          }),
        );
        return response;
      });
      // Rate control: the invocation ended, so another may start (or the command stops).
      await dispatchCommand(this.deps, this.notifier, before.commandId);
      await this.evaluateResult(node.nodeId, before.commandId, input);
      return answer;
    } catch (err) {
      if (!(err instanceof ReplayResult)) throw err;
      // A concurrent delivery of the same result won the race: answer what it stored.
      const after = await this.deps.store.commands.invocation(input.invocationId);
      return replay(after?.idempotencyKey ?? null, after?.response);
    }
  }
}
