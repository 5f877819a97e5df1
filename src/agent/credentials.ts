import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';

/** Where the agent keeps its enrollment and journal: /var/lib/patchwarden-agent, or ROOT/var/lib/patchwarden-agent with --root. */
export function defaultStateDir(root = '/'): string {
  return join(root, 'var/lib/patchwarden-agent');
}

/** The enrollment, stored mode 0600 in STATE_DIR/enrollment.json. */
export const Enrollment = z.object({
  server: z.string().min(1),
  nodeId: z.string().min(1),
  accountId: z.string(),
  credential: z.string().min(1),
  /** PEM of the CA pinned for https, or null to use the system's. */
  ca: z.string().nullable(),
  enrolledAt: z.string(),
});
export type Enrollment = z.infer<typeof Enrollment>;

/** The agent's own settings (STATE_DIR/agent.json, optional, written by an administrator). */
export const AgentConfig = z.object({
  /** Run `run` documents (arbitrary scripts); off unless set here. */
  allowScripts: z.boolean().default(false),
  /** Run `Install` documents; off for the server's scan-only local agent. */
  allowInstall: z.boolean().default(true),
  /** Seconds between local rescans that send an inventory delta when something changed. */
  inventoryIntervalSeconds: z.number().int().min(10).default(300),
});
export type AgentConfig = z.infer<typeof AgentConfig>;

const ENROLLMENT_FILE = 'enrollment.json';

/** Writes a file atomically (temp file, fsync, rename, fsync of the directory) with the given mode. */
export async function writeFileDurably(path: string, text: string, mode = 0o600): Promise<void> {
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  const fh = await open(tmp, 'w', mode);
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await chmod(tmp, mode);
  await rename(tmp, path);
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** Creates the state directory with mode 0700. */
export async function ensureStateDir(stateDir: string): Promise<void> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  await chmod(stateDir, 0o700);
}

export async function readEnrollment(stateDir: string): Promise<Enrollment | null> {
  let text: string;
  try {
    text = await readFile(join(stateDir, ENROLLMENT_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const parsed = Enrollment.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${join(stateDir, ENROLLMENT_FILE)} is not a valid enrollment (${parsed.error.issues[0]?.message ?? ''}); enroll again with --force`);
  return parsed.data;
}

export async function writeEnrollment(stateDir: string, enrollment: Enrollment): Promise<string> {
  await ensureStateDir(stateDir);
  const path = join(stateDir, ENROLLMENT_FILE);
  await writeFileDurably(path, `${JSON.stringify(enrollment, null, 2)}\n`, 0o600);
  return path;
}

export async function readAgentConfig(stateDir: string): Promise<AgentConfig> {
  try {
    return AgentConfig.parse(JSON.parse(await readFile(join(stateDir, 'agent.json'), 'utf8')));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return AgentConfig.parse({});
    throw new Error(`${join(stateDir, 'agent.json')}: ${(err as Error).message}`);
  }
}
