import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { InvocationResultRequest } from '../contracts/agent.contract.js';
import { writeFileDurably } from './credentials.js';

/**
 * One invocation as the agent journals it (STATE_DIR/journal/<invocationId>.json, fsync'd on every
 * change): the phase reached, what the install did before a reboot, and the result once there is
 * one. An entry is removed only after the server acknowledged its result.
 */
export const JournalEntry = z.object({
  invocationId: z.string(),
  commandId: z.string(),
  document: z.string(),
  parameters: z.unknown(),
  /** The invocation's timeout as delivered (RunScript kills the script after it); absent in older journals. */
  timeoutSeconds: z.number().int().optional(),
  /** The key the result is delivered under, every time (after reconnects and restarts too). */
  idempotencyKey: z.string(),
  startedAt: z.string(),
  /** started → installing → rebooting → rebooted → done (result set). */
  phase: z.enum(['started', 'installing', 'rebooting', 'rebooted', 'done']),
  /** Install: what the driver reported, kept across the reboot. */
  install: z.object({ ok: z.boolean(), outcomes: z.array(z.unknown()), output: z.string(), rebootRequired: z.boolean() }).optional(),
  /** Boot id when the reboot was requested (to tell whether it happened). */
  bootId: z.string().optional(),
  /** RunScript: the script's process (group) once started, to end what it left running after an agent crash. */
  script: z.object({ pid: z.number().int(), startTime: z.string(), bootId: z.string() }).optional(),
  /** Lines of what happened, in order ("started invocation X", "rebooted", …). */
  log: z.array(z.string()),
  result: InvocationResultRequest.optional(),
});
export type JournalEntry = z.infer<typeof JournalEntry>;

export class Journal {
  readonly dir: string;

  constructor(stateDir: string) {
    this.dir = join(stateDir, 'journal');
  }

  private path(invocationId: string): string {
    if (!/^[A-Za-z0-9_.:-]+$/.test(invocationId)) throw new Error(`unexpected invocation id ${JSON.stringify(invocationId)}`);
    return join(this.dir, `${invocationId}.json`);
  }

  /** A new entry with a fresh idempotency key, written before the operation starts. */
  async begin(inv: { invocationId: string; commandId: string; document: string; parameters: unknown; timeoutSeconds?: number | undefined }): Promise<JournalEntry> {
    const entry: JournalEntry = {
      ...inv,
      idempotencyKey: `${inv.invocationId}.${randomBytes(8).toString('hex')}`,
      startedAt: new Date().toISOString(),
      phase: 'started',
      log: [`${new Date().toISOString()} started invocation ${inv.invocationId} (${inv.document})`],
    };
    await this.save(entry);
    return entry;
  }

  /** Writes the entry durably (atomic replace, fsync). */
  async save(entry: JournalEntry): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await writeFileDurably(this.path(entry.invocationId), `${JSON.stringify(entry)}\n`);
  }

  /** Appends a line to the entry's log, optionally moves it to a phase, and saves it. */
  async note(entry: JournalEntry, line: string, phase?: JournalEntry['phase']): Promise<void> {
    entry.log.push(`${new Date().toISOString()} ${line}`);
    if (phase !== undefined) entry.phase = phase;
    await this.save(entry);
  }

  async get(invocationId: string): Promise<JournalEntry | undefined> {
    try {
      return JournalEntry.parse(JSON.parse(await readFile(this.path(invocationId), 'utf8')));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /** Every entry, oldest first. Unreadable files (a torn write cannot happen: writes are atomic) are skipped. */
  async list(): Promise<JournalEntry[]> {
    let names: string[];
    try {
      names = (await readdir(this.dir)).filter((n) => n.endsWith('.json'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const out: JournalEntry[] = [];
    for (const n of names) {
      try {
        out.push(JournalEntry.parse(JSON.parse(await readFile(join(this.dir, n), 'utf8'))));
      } catch {
        // not an entry
      }
    }
    return out.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  }

  /** Removes the entry once the server acknowledged its result. */
  async remove(invocationId: string): Promise<void> {
    await rm(this.path(invocationId), { force: true });
  }
}
