import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Polls `probe` every 100 ms until it returns a value (not undefined/false); fails naming `what` after the timeout. */
export async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Processes working on a root: apt/dpkg with the root on their command line, maintainer scripts with DPKG_ROOT set to it. */
export function processesOf(root: string): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(root) || readFileSync(`/proc/${p}/environ`, 'utf8').includes(`DPKG_ROOT=${root}`);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** True when the process runs `sleep` (a test package's slow maintainer script). */
export function isSleep(pid: number): boolean {
  try {
    return readlinkSync(`/proc/${pid}/exe`).endsWith('/sleep');
  } catch {
    return false;
  }
}
