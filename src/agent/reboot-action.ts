import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { execFile } from './exec.js';
import { isHostRoot } from './inventory/index.js';

/** Reboots the managed system. On the host it does not return (the agent is stopped by the reboot). */
export type RebootAction = () => Promise<void>;

/**
 * The default reboot: `systemctl reboot` on `/`. For a `--root` there is nothing to reboot: the
 * reboot is simulated by removing the root's reboot-required markers (ROOT/run and ROOT/var/run).
 */
export function defaultRebootAction(root: string): RebootAction {
  if (!isHostRoot(root)) {
    return async () => {
      for (const dir of ['run', 'var/run']) {
        await rm(join(root, dir, 'reboot-required'), { force: true });
        await rm(join(root, dir, 'reboot-required.pkgs'), { force: true });
      }
    };
  }
  return async () => {
    const r = await execFile('systemctl', ['reboot']);
    if (r.code !== 0) throw new Error(`systemctl reboot failed (exit ${r.code ?? r.signal ?? '?'}): ${r.stderr.trim()}`);
    // Wait to be stopped by the shutdown.
    await new Promise(() => undefined);
  };
}

/** The kernel's boot id (changes on every boot); empty for a --root or when unreadable. */
export async function bootId(root: string): Promise<string> {
  if (!isHostRoot(root)) return '';
  return (await readFile('/proc/sys/kernel/random/boot_id', 'utf8').catch(() => '')).trim();
}
