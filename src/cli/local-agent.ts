import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { AgentConfig, readEnrollment, type Enrollment } from '../agent/credentials.js';
import { enrollAgent } from '../agent/enroll.js';
import { detectPackageManager } from '../agent/inventory/index.js';
import { AgentLoop } from '../agent/loop.js';
import { newActivationCode } from '../server/auth/node-credentials.js';
import { dataDirOf, type ServerConfig } from '../server/config.js';
import type { RunningServer } from '../server/server.js';
import { newId } from '../store/index.js';

/** The tag every local agent's node carries. */
export const LOCAL_AGENT_TAGS = { 'patchwarden:local': 'true' } as const;

export interface LocalAgent {
  nodeId: string;
  /** Stops the loop (aborts a long-poll in flight) and waits for it. */
  stop(): Promise<void>;
}

/** The server's own URL as a client on this machine reaches it (a wildcard address becomes loopback). */
function selfUrl(url: string): string {
  const u = new URL(url);
  if (u.hostname === '0.0.0.0') u.hostname = '127.0.0.1';
  else if (u.hostname === '[::]') u.hostname = '[::1]';
  return u.toString().replace(/\/$/, '');
}

/** Creates a one-use activation in the management account, in-process (no user, no API call). */
async function localActivation(server: RunningServer): Promise<{ id: string; code: string; accountId: string }> {
  const org = await server.store.organizations.get();
  if (org === undefined) throw new Error('the organization does not exist yet');
  const now = new Date();
  const { code, codeHash } = newActivationCode();
  const id = newId('act');
  const record = {
    id,
    accountId: org.managementAccountId,
    description: "the server's local agent",
    codeHash,
    expiresAt: new Date(now.getTime() + 10 * 60_000).toISOString(),
    registrationLimit: 1,
    registrationsUsed: 0,
    defaultTags: { ...LOCAL_AGENT_TAGS },
    createdAt: now.toISOString(),
    createdBy: 'patchwarden server',
    revokedAt: null,
  };
  await server.store.transaction(async (tx) => {
    await tx.activations.insert(record);
    await tx.audit.append({
      at: now.toISOString(),
      actorType: 'system',
      actorId: null,
      actorName: 'patchwarden server',
      via: null,
      action: 'activation.create',
      outcome: 'success',
      targetType: 'activation',
      targetId: id,
      accountId: org.managementAccountId,
      ip: null,
      userAgent: null,
      requestId: null,
      details: { expiresAt: record.expiresAt, registrationLimit: 1, defaultTags: record.defaultTags, localAgent: true },
    });
  });
  return { id, code, accountId: org.managementAccountId };
}

/**
 * The agent for the machine the server runs on (`patchwarden server`, unless localAgent is off):
 * enrolls once into the management account (state in DATA_DIR/local-agent, reused on restarts;
 * a node deregistered by an operator stays off), then runs the agent loop in-process, scan-only
 * unless localAgentInstall. Never throws: a machine it cannot scan gets a warning, the server runs on.
 */
export async function startLocalAgent(server: RunningServer, config: ServerConfig, logger: FastifyBaseLogger): Promise<LocalAgent | null> {
  const log = logger.child({ component: 'local-agent' });
  const root = config.localAgentRoot;
  const stateDir = join(dataDirOf(config), 'local-agent');
  const url = selfUrl(server.url);
  try {
    const pm = await detectPackageManager(root);
    if (pm === null) {
      log.warn({ root }, 'local agent not started: cannot tell which package manager manages this machine (no apt/dpkg or dnf/rpm); this machine will not appear as a node. Set PATCHWARDEN_LOCAL_AGENT=false to silence this.');
      return null;
    }
    let enrollment: Enrollment | null = await readEnrollment(stateDir);
    if (enrollment !== null) {
      const node = await server.store.nodes.get(enrollment.nodeId);
      if (node !== undefined && node.deregisteredAt !== null) {
        log.info({ nodeId: enrollment.nodeId }, 'local agent not started: its node was deregistered (enroll it again by removing the local-agent directory of the data directory)');
        return null;
      }
      if (node === undefined) {
        log.info({ nodeId: enrollment.nodeId }, 'the local agent\'s node is not in this database; enrolling again');
        enrollment = null;
      }
    }
    if (enrollment === null) {
      const activation = await localActivation(server);
      const ca = config.tlsCertFile === undefined ? null : readFileSync(config.tlsCertFile, 'utf8');
      enrollment = (await enrollAgent({ server: url, activationId: activation.id, activationCode: activation.code, root, stateDir, ca, force: true })).enrollment;
      log.info({ nodeId: enrollment.nodeId, accountId: activation.accountId }, 'local agent enrolled this machine');
    }
    const controller = new AbortController();
    const loop = new AgentLoop({
      enrollment: { ...enrollment, server: url },
      stateDir,
      root,
      config: AgentConfig.parse({ allowInstall: config.localAgentInstall }),
      signal: controller.signal,
      log: (message, fields) => log.info(fields ?? {}, `local agent: ${message}`),
    });
    const nodeId = enrollment.nodeId;
    const running = loop.run().catch((err: unknown) => {
      log.warn({ nodeId, error: (err as Error).message }, 'local agent stopped; the server runs on');
    });
    log.info({ nodeId, root, install: config.localAgentInstall }, `local agent running (${config.localAgentInstall ? 'installs allowed' : 'scan-only'})`);
    return {
      nodeId,
      async stop() {
        controller.abort();
        await running;
      },
    };
  } catch (err) {
    log.warn({ root, error: (err as Error).message }, 'local agent not started; the server runs on. Set PATCHWARDEN_LOCAL_AGENT=false to turn it off.');
    return null;
  }
}
