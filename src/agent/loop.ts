import { z } from 'zod';
import { heartbeat, patchInventory, postResult, putInventory, type InvocationResultResponse } from '../contracts/agent.contract.js';
import type { Inventory } from '../contracts/inventory.contract.js';
import { AgentClient, AgentHttpError, isRetryable } from './client.js';
import { AgentConfig, type Enrollment } from './credentials.js';
import { createDriver } from './inventory/index.js';
import { inventoryDelta } from './inventory-delta.js';
import { Journal, type JournalEntry } from './journal.js';
import { execute, type OperationEnv } from './operations.js';
import type { PackageManagerDriver } from './package-managers/driver.js';
import { defaultRebootAction, type RebootAction } from './reboot-action.js';
import { scanLocal } from './scan.js';
import { AGENT_VERSION } from './version.js';

export type AgentLog = (message: string, fields?: Record<string, unknown>) => void;

export interface AgentLoopOptions {
  enrollment: Enrollment;
  stateDir: string;
  /** The root managed (`/`: the host). */
  root: string;
  config?: AgentConfig;
  driver?: PackageManagerDriver;
  /** A fresh inventory (default scanLocal with the driver). */
  scan?: () => Promise<Inventory>;
  /** Default: `systemctl reboot` on `/`, a simulated reboot (markers cleared) on a --root. */
  reboot?: RebootAction;
  /** Stops the loop (also aborts a long-poll in flight). */
  signal?: AbortSignal;
  /** One cycle: recover, deliver, heartbeat, inventory, poll without waiting, run what came, deliver; then return. */
  once?: boolean;
  /** Long-poll wait (default 60 s, at most the server's maxWaitSeconds). */
  pollWaitSeconds?: number;
  /** Rescan interval for inventory deltas (default the config's inventoryIntervalSeconds). */
  inventoryIntervalMs?: number;
  /** Reconnect backoff: initial and maximum delay (default 1 s and 5 min), jittered. */
  backoff?: { initialMs: number; maxMs: number };
  log?: AgentLog;
  /** Options to pass to createDriver when no driver is given. */
  scriptChrootless?: boolean;
}

/** The invocations of a poll, read leniently: an unknown document is refused one by one, not the whole poll. */
const PollAnswer = z.object({
  invocations: z.array(z.object({ invocationId: z.string(), commandId: z.string(), document: z.string(), parameters: z.unknown(), timeoutSeconds: z.number().int().optional() })),
});

/** Sleeps, or returns early when the signal aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Exponential backoff with jitter: a random delay in [d/2, d] where d = min(max, initial·2^(n-1)). */
export function backoffDelay(failures: number, initialMs: number, maxMs: number, random = Math.random): number {
  const d = Math.min(maxMs, initialMs * 2 ** Math.max(0, failures - 1));
  return Math.round(d / 2 + random() * (d / 2));
}

/**
 * The agent loop (`patchwarden agent run`): heartbeat; the full inventory on first contact (PUT),
 * then deltas (PATCH with baseRevision; a full one again on 409); long-poll for invocations and run
 * them one by one; every result journaled before delivery and removed only once the server
 * acknowledged it (same idempotency key on every attempt); reconnect with jittered exponential
 * backoff on network errors and 5xx. At startup, journal entries without a result are completed
 * (after a reboot) or reported truthfully (killed mid-install).
 */
export class AgentLoop {
  /** The server's setting: read CVE ids of pending security updates from their changelogs. */
  private securityCves = false;
  readonly journal: Journal;
  private readonly client: AgentClient;
  private readonly log: AgentLog;
  private env: OperationEnv | null = null;
  /** The inventory the server holds and its revision (null: send a full one). */
  private sent: Inventory | null = null;
  private revision: number | null = null;
  private lastScanAt = 0;

  constructor(private readonly options: AgentLoopOptions) {
    this.journal = new Journal(options.stateDir);
    this.client = new AgentClient({ server: options.enrollment.server, credential: options.enrollment.credential, ca: options.enrollment.ca });
    this.log = options.log ?? (() => undefined);
  }

  private async operationEnv(): Promise<OperationEnv> {
    if (this.env !== null) return this.env;
    const { root } = this.options;
    const driver = this.options.driver ?? (await createDriver(root, { stateDir: this.options.stateDir, ...(this.options.scriptChrootless === true && { scriptChrootless: true }) }));
    this.env = {
      root,
      driver,
      // CVEs of security updates from changelogs when the server asks for them (its agentSecurityCves setting).
      scan: this.options.scan ?? (() => scanLocal({ root, driver, cves: this.securityCves ? 'security' : false })),
      reboot: this.options.reboot ?? defaultRebootAction(root),
      journal: this.journal,
      config: this.options.config ?? AgentConfig.parse({}),
      nodeId: this.options.enrollment.nodeId,
    };
    return this.env;
  }

  /** Completes or truthfully reports what the journal holds without a result (a restart, a reboot, a kill). */
  async recover(): Promise<void> {
    for (const entry of await this.journal.list()) {
      if (entry.result !== undefined) continue;
      this.log('recovering an interrupted invocation', { invocationId: entry.invocationId, phase: entry.phase });
      await execute(await this.operationEnv(), entry, { recovering: true });
    }
  }

  /** Delivers one journaled result; removes the entry once acknowledged (or refused for good). */
  private async deliver(entry: JournalEntry): Promise<InvocationResultResponse | null> {
    if (entry.result === undefined) return null;
    let answer: InvocationResultResponse;
    try {
      answer = await this.client.call(postResult, { body: entry.result });
    } catch (err) {
      if (err instanceof AgentHttpError && !err.retryable && err.status !== 401) {
        // Recorded already under another key, cancelled, not ours, or invalid: retrying cannot help.
        this.log('result refused by the server; dropped from the journal', { invocationId: entry.invocationId, status: err.status, error: err.message });
        await this.journal.remove(entry.invocationId);
        return null;
      }
      throw err;
    }
    if (entry.result.inventory !== undefined && answer.inventoryRevision !== null) {
      this.sent = entry.result.inventory;
      this.revision = answer.inventoryRevision;
    }
    await this.journal.remove(entry.invocationId);
    this.log('result delivered', { invocationId: entry.invocationId, status: entry.result.status });
    return answer;
  }

  private async deliverAll(): Promise<void> {
    for (const entry of await this.journal.list()) if (entry.result !== undefined) await this.deliver(entry);
  }

  /** Sends the full inventory, or the delta since what the server holds. */
  private async syncInventory(serverRevision: number, force: boolean): Promise<void> {
    const env = await this.operationEnv();
    const interval = this.options.inventoryIntervalMs ?? env.config.inventoryIntervalSeconds * 1000;
    const stale = this.sent === null || this.revision !== serverRevision || serverRevision === 0;
    if (!stale && !force && Date.now() - this.lastScanAt < interval) return;
    const fresh = await env.scan();
    this.lastScanAt = Date.now();
    if (!stale && this.sent !== null && this.revision !== null) {
      const delta = inventoryDelta(this.sent, fresh, this.revision);
      if (delta === null) return;
      try {
        const r = await this.client.call(patchInventory, { body: delta });
        this.sent = fresh;
        this.revision = r.revision;
        this.log('inventory delta sent', { revision: r.revision });
        return;
      } catch (err) {
        if (!(err instanceof AgentHttpError && err.status === 409)) throw err;
        this.log('inventory delta refused (stale revision); sending a full one');
      }
    }
    const r = await this.client.call(putInventory, { body: fresh });
    this.sent = fresh;
    this.revision = r.revision;
    this.log('full inventory sent', { revision: r.revision, packages: r.packages, updates: r.updates });
  }

  /** One cycle; returns the number of invocations run. */
  async cycle(waitSeconds: number): Promise<number> {
    await this.deliverAll();
    const settings = await this.client.call(heartbeat, { body: { agentVersion: AGENT_VERSION } });
    this.securityCves = settings.securityCves;
    await this.syncInventory(settings.inventoryRevision, false);
    const env = await this.operationEnv();
    const interval = this.options.inventoryIntervalMs ?? env.config.inventoryIntervalSeconds * 1000;
    const untilRescan = Math.max(0, Math.ceil((this.lastScanAt + interval - Date.now()) / 1000));
    const wait = Math.min(waitSeconds, settings.maxWaitSeconds, untilRescan);
    const polled = PollAnswer.parse(
      await this.client.raw('GET', '/api/v1/agent/commands', { query: { wait }, extraTimeoutMs: wait * 1000, ...(this.options.signal === undefined ? {} : { signal: this.options.signal }) }),
    );
    for (const inv of polled.invocations) {
      const entry = (await this.journal.get(inv.invocationId)) ?? (await this.journal.begin(inv));
      this.log('running invocation', { invocationId: inv.invocationId, document: inv.document });
      await execute(env, entry);
      await this.deliver(entry);
    }
    return polled.invocations.length;
  }

  /** Runs until the signal aborts (or one cycle with `once`). Throws on a revoked credential (401). */
  async run(): Promise<void> {
    const { signal } = this.options;
    const { initialMs, maxMs } = this.options.backoff ?? { initialMs: 1000, maxMs: 300_000 };
    await this.recover();
    let failures = 0;
    const stopped = () => signal?.aborted === true;
    while (!stopped()) {
      try {
        await this.cycle(this.options.once === true ? 0 : (this.options.pollWaitSeconds ?? 60));
        failures = 0;
        if (this.options.once === true) return;
      } catch (err) {
        if (stopped()) return;
        if (err instanceof AgentHttpError && err.status === 401) throw new Error(`the server refused this node's credential (${err.message}); enroll again with \`patchwarden agent enroll --force\``, { cause: err });
        if (this.options.once === true) throw err;
        failures += 1;
        const delay = backoffDelay(failures, initialMs, maxMs);
        this.log(isRetryable(err) ? 'server unreachable; retrying' : 'cycle failed; retrying', { error: (err as Error).message, failures, delayMs: delay });
        await sleep(delay, signal);
      }
    }
  }
}
