import { enroll } from '../contracts/agent.contract.js';
import { AgentClient } from './client.js';
import { readEnrollment, writeEnrollment, type Enrollment } from './credentials.js';
import { detectPackageManager, hostInfo, readPlatform } from './inventory/index.js';
import { AGENT_VERSION } from './version.js';

export interface EnrollOptions {
  server: string;
  activationId: string;
  activationCode: string;
  root: string;
  stateDir: string;
  /** PEM of the CA to pin for https. */
  ca?: string | null;
  /** Replace an existing enrollment. */
  force?: boolean;
}

/**
 * Exchanges an activation for node credentials: sends the hostname and platform of the root and
 * stores {server, nodeId, credential, ca} in STATE_DIR/enrollment.json (mode 0600, directory 0700).
 * Refuses to replace an existing enrollment unless `force`.
 */
export async function enrollAgent(options: EnrollOptions): Promise<{ enrollment: Enrollment; path: string }> {
  const existing = await readEnrollment(options.stateDir).catch(() => null);
  if (existing !== null && options.force !== true) {
    throw new Error(`this agent is enrolled already (node ${existing.nodeId} at ${existing.server}, ${options.stateDir}); pass --force to enroll again`);
  }
  const pm = await detectPackageManager(options.root);
  if (pm === null) throw new Error(`cannot tell which package manager manages ${options.root}: no os-release naming a Debian or RHEL family system, no dpkg or rpm database`);
  const platform = await readPlatform(options.root, pm);
  const host = await hostInfo(options.root, []);
  const ca = options.ca ?? null;
  const client = new AgentClient({ server: options.server, ca });
  const answer = await client.call(enroll, {
    body: { activationId: options.activationId, activationCode: options.activationCode, hostname: host.hostname || 'unknown', platform, agentVersion: AGENT_VERSION },
  });
  const enrollment: Enrollment = { server: client.server, nodeId: answer.nodeId, accountId: answer.accountId, credential: answer.nodeSecret, ca, enrolledAt: new Date().toISOString() };
  const path = await writeEnrollment(options.stateDir, enrollment);
  return { enrollment, path };
}
