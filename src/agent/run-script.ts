import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';

/**
 * Runs a `RunScript` script: `/bin/sh -c <script>` in its own process group (so a timeout kills
 * the script and everything it started), with a minimal environment, stdout and stderr captured
 * together in arrival order (only the last `maxOutputBytes` kept in memory).
 */

export interface ScriptOptions {
  script: string;
  cwd: string;
  /** The whole environment of the script (nothing of the agent's own is passed on). */
  env: Record<string, string>;
  /** Kill the process group (SIGTERM, then SIGKILL after `killGraceMs`) after this long. */
  timeoutMs: number;
  killGraceMs?: number;
  /** Bytes of output kept (the tail); default 64 KiB. */
  maxOutputBytes?: number;
  /** Called once the process runs, with its pid (= its process group id). */
  onStart?: (pid: number) => void | Promise<void>;
  /** The shell (default /bin/sh). */
  shell?: string;
}

export interface ScriptResult {
  /** The exit code, or null when the script ended by a signal (or could not start). */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** stdout and stderr, interleaved as they arrived, the last `maxOutputBytes` bytes. */
  output: string;
  /** Bytes of output dropped from the front. */
  droppedBytes: number;
  durationMs: number;
  pid: number | null;
  /** Why the script could not start (spawn error), else null. */
  spawnError: string | null;
}

export const SCRIPT_MAX_OUTPUT = 64 * 1024;

/** The PATH scripts get. */
export const SCRIPT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** A byte ring: keeps the last `max` bytes written. */
class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  dropped = 0;

  constructor(private readonly max: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.byteLength;
    while (this.size > this.max && this.chunks.length > 0) {
      const first = this.chunks[0] as Buffer;
      const excess = this.size - this.max;
      if (first.byteLength <= excess) {
        this.chunks.shift();
        this.size -= first.byteLength;
        this.dropped += first.byteLength;
      } else {
        this.chunks[0] = first.subarray(excess);
        this.size -= excess;
        this.dropped += excess;
      }
    }
  }

  text(): string {
    // NUL characters cannot be stored (PostgreSQL text) and are refused by the API: shown as U+FFFD.
    return Buffer.concat(this.chunks).toString('utf8').replaceAll('\u0000', '\uFFFD');
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is gone already
  }
}

/** Runs the script to its end (or its timeout). Never throws. */
export function runScript(options: ScriptOptions): Promise<ScriptResult> {
  const started = Date.now();
  const max = options.maxOutputBytes ?? SCRIPT_MAX_OUTPUT;
  const grace = options.killGraceMs ?? 5000;
  return new Promise((resolve) => {
    const buffer = new TailBuffer(max);
    let timedOut = false;
    let settled = false;
    let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
    const timers: NodeJS.Timeout[] = [];
    /** onStart's work (journaling the pid) completes before the result is handed back. */
    let started_: Promise<unknown> = Promise.resolve();
    const finish = (spawnError: string | null, pid: number | null) => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      const result: ScriptResult = {
        exitCode: exited?.code ?? null,
        signal: exited?.signal ?? null,
        timedOut,
        output: buffer.text(),
        droppedBytes: buffer.dropped,
        durationMs: Date.now() - started,
        pid,
        spawnError,
      };
      void started_.then(() => resolve(result));
    };
    let child;
    try {
      child = spawn(options.shell ?? '/bin/sh', ['-c', options.script], {
        cwd: options.cwd,
        env: options.env,
        // Its own process group (setsid): a timeout kills the script and all it started.
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (err) {
      finish((err as Error).message, null);
      return;
    }
    const pid = child.pid ?? null;
    child.stdout.on('data', (c: Buffer) => buffer.push(c));
    child.stderr.on('data', (c: Buffer) => buffer.push(c));
    child.on('error', (err) => {
      // spawn failure (no /bin/sh, bad cwd): no 'exit' follows
      if (exited === null) finish(err.message, pid);
    });
    if (pid !== null) {
      timers.push(
        setTimeout(() => {
          if (exited !== null) return;
          timedOut = true;
          killGroup(pid, 'SIGTERM');
          timers.push(setTimeout(() => killGroup(pid, 'SIGKILL'), grace));
        }, options.timeoutMs),
      );
      started_ = Promise.resolve()
        .then(() => options.onStart?.(pid))
        .catch(() => undefined);
    }
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      // Processes the script left behind hold the pipes open: they are part of its group, ended
      // with it; the output they wrote so far is kept.
      timers.push(
        setTimeout(() => {
          if (pid !== null) killGroup(pid, 'SIGKILL');
          child.stdout.destroy();
          child.stderr.destroy();
          finish(null, pid);
        }, 1000),
      );
    });
    child.on('close', () => {
      if (exited !== null) {
        if (pid !== null) killGroup(pid, 'SIGKILL');
        finish(null, pid);
      }
    });
  });
}

/** The host's boot id (scripts run on the host, also for agents managing a --root). */
export async function hostBootId(): Promise<string> {
  return (await readFile('/proc/sys/kernel/random/boot_id', 'utf8').catch(() => '')).trim();
}

/** The start time of a process (field 22 of /proc/PID/stat, clock ticks since boot), or null when it is gone. */
export async function processStartTime(pid: number): Promise<string | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: fields after the last ")".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const state = fields[0];
    if (state === 'Z' || state === 'X') return null;
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

/**
 * Ends the process group of a script started earlier (by an agent that crashed), when its leader
 * is still the same process (same start time, same boot). Returns whether something was killed.
 */
export async function killLeftoverScript(recorded: { pid: number; startTime: string; bootId: string }, currentBootId: string): Promise<boolean> {
  if (recorded.bootId !== currentBootId) return false;
  if ((await processStartTime(recorded.pid)) !== recorded.startTime) return false;
  try {
    process.kill(-recorded.pid, 'SIGKILL');
    return true;
  } catch {
    return false;
  }
}
