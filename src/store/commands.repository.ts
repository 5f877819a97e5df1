import { PostgresAdapter, sql, type Kysely, type Selectable } from 'kysely';
import type { CommandParameters, CommandTargets, PatchOutcome } from '../contracts/api.js';
import { fetchPage, type Page, type PageRequest } from './paging.js';
import type { CommandInvocationsTable, CommandsTable, Database } from './schema.js';

export interface CommandRecord {
  id: string;
  accountId: string;
  document: 'Scan' | 'Install' | 'RunScript';
  parameters: CommandParameters;
  targets: CommandTargets;
  timeoutSeconds: number;
  createdBy: string | null;
  createdAt: string;
  cancelledAt: string | null;
  status: string;
  /** Rate limits as given: `10` or `25%`. */
  maxConcurrency: string;
  maxErrors: string;
  /** How many nodes the targets resolved to. */
  targetCount: number;
  comment: string;
}

/** A new invocation: waiting for rate control unless it ends at once (a node the Install cannot serve). */
export interface NewInvocation {
  id: string;
  nodeId: string;
  /** This node's own parameters (its Install list); omitted: the command's. */
  parameters?: CommandParameters;
  /** Ends at once with this status and output (e.g. Failed: the snapshot has no baseline for the node). */
  endedAs?: { status: 'Failed'; output: string };
}

/** What rate control decides on. */
export interface DispatchCounts {
  total: number;
  /** Released and not ended. */
  inFlight: number;
  /** Waiting for release. */
  queued: number;
  /** Failed, TimedOut or Undeliverable. */
  failed: number;
}

export interface InvocationRecord {
  id: string;
  commandId: string;
  nodeId: string;
  status: string;
  createdAt: string;
  deliveredAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  output: string;
  result: { outcomes: PatchOutcome[]; rebootRequired?: boolean };
  idempotencyKey: string | null;
  /** The answer given to the first result, replayed for the same idempotency key. */
  response: unknown;
  /** Null while rate control holds it back. */
  releasedAt: string | null;
  /** Its own parameters (an Install's list of this node); null: the command's. */
  parameters: CommandParameters | null;
  /** RunScript: the script's exit code (null: not run, killed or not a script). */
  exitCode: number | null;
}

function toCommand(r: Selectable<CommandsTable>): CommandRecord {
  return {
    id: r.id,
    accountId: r.account_id,
    document: r.document as CommandRecord['document'],
    parameters: JSON.parse(r.parameters) as CommandParameters,
    targets: JSON.parse(r.targets) as CommandTargets,
    timeoutSeconds: Number(r.timeout_seconds),
    createdBy: r.created_by,
    createdAt: r.created_at,
    cancelledAt: r.cancelled_at,
    status: r.status,
    maxConcurrency: r.max_concurrency,
    maxErrors: r.max_errors,
    targetCount: Number(r.target_count),
    comment: r.comment,
  };
}

function toInvocation(r: Selectable<CommandInvocationsTable>): InvocationRecord {
  return {
    id: r.id,
    commandId: r.command_id,
    nodeId: r.node_id,
    status: r.status,
    createdAt: r.created_at,
    deliveredAt: r.delivered_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    output: r.output,
    result: JSON.parse(r.result) as InvocationRecord['result'],
    idempotencyKey: r.idempotency_key,
    response: r.response === null ? null : (JSON.parse(r.response) as unknown),
    releasedAt: r.released_at,
    parameters: r.parameters === null ? null : (JSON.parse(r.parameters) as CommandParameters),
    exitCode: r.exit_code === null || r.exit_code === undefined ? null : Number(r.exit_code),
  };
}

/** Commands and their per-node invocations. */
export class CommandsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Inserts the command and its invocations, all waiting for rate control (or ended, see NewInvocation). */
  async insert(c: CommandRecord, invocations: NewInvocation[]): Promise<void> {
    await this.db
      .insertInto('commands')
      .values({
        id: c.id,
        account_id: c.accountId,
        document: c.document,
        parameters: JSON.stringify(c.parameters),
        targets: JSON.stringify(c.targets),
        timeout_seconds: c.timeoutSeconds,
        created_by: c.createdBy,
        created_at: c.createdAt,
        cancelled_at: c.cancelledAt,
        status: c.status,
        max_concurrency: c.maxConcurrency,
        max_errors: c.maxErrors,
        target_count: c.targetCount,
        comment: c.comment,
      })
      .execute();
    for (let i = 0; i < invocations.length; i += 500) {
      await this.db
        .insertInto('command_invocations')
        .values(
          invocations.slice(i, i + 500).map((inv) => ({
            id: inv.id,
            command_id: c.id,
            node_id: inv.nodeId,
            status: inv.endedAs?.status ?? 'Pending',
            created_at: c.createdAt,
            delivered_at: null,
            // Waiting invocations do not expire: the deadline is set again when they are released.
            deadline_at: new Date(Date.parse(c.createdAt) + c.timeoutSeconds * 1000).toISOString(),
            started_at: null,
            finished_at: inv.endedAs === undefined ? null : c.createdAt,
            output: inv.endedAs?.output ?? '',
            result: JSON.stringify({ outcomes: [] }),
            idempotency_key: null,
            response: null,
            released_at: inv.endedAs === undefined ? null : c.createdAt,
            parameters: inv.parameters === undefined ? null : JSON.stringify(inv.parameters),
          })),
        )
        .execute();
    }
  }

  async get(id: string): Promise<CommandRecord | undefined> {
    const row = await this.db.selectFrom('commands').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toCommand(row);
  }

  /** `nodeId`: only commands with an invocation on that node (command_invocations_node_idx). */
  async list(filter: { accounts: 'all' | string[]; accountId?: string | undefined; document?: string | undefined; nodeId?: string | undefined }, page: PageRequest): Promise<Page<CommandRecord>> {
    let q = this.db.selectFrom('commands').selectAll();
    if (filter.accounts !== 'all') q = filter.accounts.length === 0 ? q.where(sql<boolean>`1 = 0`) : q.where('account_id', 'in', filter.accounts);
    if (filter.accountId !== undefined) q = q.where('account_id', '=', filter.accountId);
    if (filter.document !== undefined) q = q.where('document', '=', filter.document);
    if (filter.nodeId !== undefined) q = q.where('id', 'in', (eb) => eb.selectFrom('command_invocations').select('command_invocations.command_id').where('command_invocations.node_id', '=', filter.nodeId!));
    return fetchPage(q, page, { createdAt: 'created_at' }, 'id', toCommand);
  }

  async invocations(commandId: string): Promise<InvocationRecord[]> {
    const rows = await this.db.selectFrom('command_invocations').selectAll().where('command_id', '=', commandId).orderBy('node_id').execute();
    return rows.map(toInvocation);
  }

  async invocation(id: string): Promise<InvocationRecord | undefined> {
    const row = await this.db.selectFrom('command_invocations').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toInvocation(row);
  }

  /** Invocations per status for each command. */
  async counts(commandIds: string[]): Promise<Map<string, Record<string, number>>> {
    const out = new Map<string, Record<string, number>>();
    if (commandIds.length === 0) return out;
    const rows = await this.db
      .selectFrom('command_invocations')
      .select(['command_id', 'status', (eb) => eb.fn.countAll<number>().as('n')])
      .where('command_id', 'in', commandIds)
      .groupBy(['command_id', 'status'])
      .execute();
    for (const r of rows) {
      const c = out.get(r.command_id) ?? {};
      c[r.status] = Number(r.n);
      out.set(r.command_id, c);
    }
    return out;
  }

  async setStatus(commandId: string, status: string): Promise<void> {
    await this.db.updateTable('commands').set({ status }).where('id', '=', commandId).execute();
  }

  /** Ids of the pending invocations of a node, oldest first. */
  async pendingOf(nodeId: string, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('command_invocations')
      .select('id')
      .where('node_id', '=', nodeId)
      .where('status', '=', 'Pending')
      .where('released_at', 'is not', null)
      .orderBy('created_at')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((r) => r.id);
  }

  /**
   * Marks a pending invocation delivered (InProgress). A conditional UPDATE: of several replicas
   * answering polls of the same node, exactly one claims it. True when this call claimed it.
   */
  async claim(id: string, now: string, deadline: string): Promise<boolean> {
    const res = await this.db
      .updateTable('command_invocations')
      .set({ status: 'InProgress', delivered_at: now, deadline_at: deadline })
      .where('id', '=', id)
      .where('status', '=', 'Pending')
      .where('released_at', 'is not', null)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /**
   * Gives a delivered invocation back (its poll's connection closed before the answer was sent):
   * Pending again, with the deadline of a Pending invocation (created + timeout). Only while no
   * result is recorded.
   */
  async unclaim(id: string, pendingDeadline: string): Promise<boolean> {
    // Released by rate control after it was created: its delivery deadline runs from the release.
    const row = await this.db
      .selectFrom('command_invocations as i')
      .innerJoin('commands as c', 'c.id', 'i.command_id')
      .select(['i.released_at', 'c.timeout_seconds'])
      .where('i.id', '=', id)
      .executeTakeFirst();
    const fromRelease = row === undefined || row.released_at === null ? pendingDeadline : new Date(Date.parse(row.released_at) + Number(row.timeout_seconds) * 1000).toISOString();
    const deadline = fromRelease > pendingDeadline ? fromRelease : pendingDeadline;
    const res = await this.db
      .updateTable('command_invocations')
      .set({ status: 'Pending', delivered_at: null, deadline_at: deadline })
      .where('id', '=', id)
      .where('status', '=', 'InProgress')
      .where('idempotency_key', 'is', null)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** Stores a result once: only while no result is recorded. True when this call stored it. */
  async finish(
    id: string,
    r: { status: string; startedAt: string; finishedAt: string; output: string; result: InvocationRecord['result']; idempotencyKey: string; response: unknown; exitCode?: number | null },
  ): Promise<boolean> {
    const res = await this.db
      .updateTable('command_invocations')
      .set({
        status: r.status,
        started_at: r.startedAt,
        finished_at: r.finishedAt,
        output: r.output,
        result: JSON.stringify(r.result),
        idempotency_key: r.idempotencyKey,
        response: JSON.stringify(r.response),
        exit_code: r.exitCode ?? null,
      })
      .where('id', '=', id)
      .where('idempotency_key', 'is', null)
      .where('status', 'in', ['Pending', 'InProgress', 'TimedOut'])
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** Cancels the invocations not yet delivered (released or waiting); returns how many. */
  async cancelPending(commandId: string, now: string): Promise<number> {
    await this.db.updateTable('commands').set({ cancelled_at: now }).where('id', '=', commandId).where('cancelled_at', 'is', null).execute();
    const res = await this.db
      .updateTable('command_invocations')
      .set({ status: 'Cancelled', finished_at: now })
      .where('command_id', '=', commandId)
      .where('status', '=', 'Pending')
      .executeTakeFirst();
    return Number(res.numUpdatedRows);
  }

  /**
   * Ends invocations past their deadline: Pending ones (never picked up) become Undeliverable,
   * InProgress ones (no result in time) TimedOut. Returns the ids of the commands touched.
   */
  async expireOverdue(now: string, nodeId?: string): Promise<string[]> {
    // Waiting invocations (not released) have no deadline yet.
    let q = this.db
      .selectFrom('command_invocations')
      .select(['id', 'command_id', 'status'])
      .where('status', 'in', ['Pending', 'InProgress'])
      .where('deadline_at', '<', now)
      .where('released_at', 'is not', null);
    if (nodeId !== undefined) q = q.where('node_id', '=', nodeId);
    const rows = await q.limit(1000).execute();
    for (const r of rows) {
      await this.db
        .updateTable('command_invocations')
        .set({ status: r.status === 'Pending' ? 'Undeliverable' : 'TimedOut', finished_at: now })
        .where('id', '=', r.id)
        .where('status', '=', r.status)
        .execute();
    }
    return [...new Set(rows.map((r) => r.command_id))];
  }

  /**
   * Locks the command row for a dispatch decision (PostgreSQL: SELECT … FOR UPDATE; SQLite
   * serialises writers, so a plain read suffices). Undefined when the command does not exist.
   */
  async lockForDispatch(commandId: string, forUpdate: boolean): Promise<CommandRecord | undefined> {
    let q = this.db.selectFrom('commands').selectAll().where('id', '=', commandId);
    if (forUpdate) q = q.forUpdate();
    const row = await q.executeTakeFirst();
    return row === undefined ? undefined : toCommand(row);
  }

  /**
   * Serialises status refreshes of one command: on PostgreSQL locks the command row (a transaction
   * that waited then counts with a fresh snapshot, so two results committed together cannot both
   * store a stale status); SQLite serialises writers already.
   */
  async lockForStatus(commandId: string): Promise<void> {
    if (!(this.db.getExecutor().adapter instanceof PostgresAdapter)) return;
    await this.db.selectFrom('commands').select('id').where('id', '=', commandId).forUpdate().execute();
  }

  /** The counts rate control decides on. */
  async dispatchCounts(commandId: string): Promise<DispatchCounts> {
    const rows = await this.db
      .selectFrom('command_invocations')
      .select(['status', sql<number>`case when released_at is null then 0 else 1 end`.as('released'), (eb) => eb.fn.countAll<number>().as('n')])
      .where('command_id', '=', commandId)
      .groupBy(['status', sql`case when released_at is null then 0 else 1 end`])
      .execute();
    const out: DispatchCounts = { total: 0, inFlight: 0, queued: 0, failed: 0 };
    for (const r of rows) {
      const n = Number(r.n);
      out.total += n;
      const released = Number(r.released) === 1;
      if (r.status === 'Pending' && !released) out.queued += n;
      else if (r.status === 'Pending' || r.status === 'InProgress') out.inFlight += n;
      else if (r.status === 'Failed' || r.status === 'TimedOut' || r.status === 'Undeliverable') out.failed += n;
    }
    return out;
  }

  /**
   * Releases up to `limit` waiting invocations (in node order): claimable from now, with `deadline`
   * to be delivered. Returns their node ids.
   */
  async releaseWaiting(commandId: string, limit: number, now: string, deadline: string): Promise<string[]> {
    if (limit <= 0) return [];
    const rows = await this.db
      .selectFrom('command_invocations')
      .select(['id', 'node_id'])
      .where('command_id', '=', commandId)
      .where('status', '=', 'Pending')
      .where('released_at', 'is', null)
      .orderBy('node_id')
      .limit(limit)
      .execute();
    const released: string[] = [];
    for (let i = 0; i < rows.length; i += 500) {
      const chunk = rows.slice(i, i + 500);
      await this.db
        .updateTable('command_invocations')
        .set({ released_at: now, deadline_at: deadline })
        .where('id', 'in', chunk.map((r) => r.id))
        .where('released_at', 'is', null)
        .execute();
      released.push(...chunk.map((r) => r.node_id));
    }
    return released;
  }

  /** Ends the waiting invocations of a command Cancelled with `output`; returns how many. */
  async cancelWaiting(commandId: string, now: string, output: string): Promise<number> {
    const res = await this.db
      .updateTable('command_invocations')
      .set({ status: 'Cancelled', finished_at: now, output })
      .where('command_id', '=', commandId)
      .where('status', '=', 'Pending')
      .where('released_at', 'is', null)
      .executeTakeFirst();
    return Number(res.numUpdatedRows);
  }

  /** Commands that have waiting invocations (for the background dispatcher), oldest first. */
  async withWaiting(limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('command_invocations')
      .select('command_id')
      .distinct()
      .where('status', '=', 'Pending')
      .where('released_at', 'is', null)
      .limit(limit)
      .execute();
    return rows.map((r) => r.command_id);
  }

  /** Pending invocations of deregistered nodes become Undeliverable. */
  async markUndeliverable(nodeId: string, now: string): Promise<void> {
    await this.db.updateTable('command_invocations').set({ status: 'Undeliverable', finished_at: now }).where('node_id', '=', nodeId).where('status', '=', 'Pending').execute();
  }
}
