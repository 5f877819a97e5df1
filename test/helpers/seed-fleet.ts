/**
 * Seeds a small fleet into a running server through its real API, as agents do it: an activation
 * per account, `POST /api/v1/agent/enroll`, then `PUT /api/v1/agent/inventory` with packages and
 * pending updates. What each node reports decides its compliance under the predefined Debian
 * baseline (every security update approved at once): a pending security update makes it
 * NON_COMPLIANT, none (or only non-security ones) COMPLIANT.
 */
import type { ApiClient } from '../../src/cli/client.js';
import { endpoints } from '../../src/contracts/api.js';
import type { Inventory, PendingUpdate } from '../../src/contracts/inventory.contract.js';
import { debianInventory, opensslPkg, opensslUpdate } from '../compliance/helpers.js';
import { PLATFORM, pkg, update } from '../nodes/helpers.js';

export interface SeedNode {
  hostname: string;
  /** Pending updates the node reports (security ones make it non-compliant). */
  updates: PendingUpdate[];
  extraPackages?: ReturnType<typeof pkg>[];
  tags?: Record<string, string>;
}

export interface SeededNode {
  hostname: string;
  nodeId: string;
  credential: string;
  accountId: string;
}

/** Enrolls one node with an activation over the agent protocol; returns its id and credential. */
export async function enrollAgent(url: string, activation: { id: string; code: string }, hostname: string): Promise<{ nodeId: string; credential: string; accountId: string }> {
  const res = await fetch(`${url}/api/v1/agent/enroll`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ activationId: activation.id, activationCode: activation.code, hostname, platform: PLATFORM, agentVersion: '0.1.0' }),
  });
  if (res.status !== 201) throw new Error(`enroll ${hostname}: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { nodeId: string; nodeSecret: string; accountId: string };
  return { nodeId: body.nodeId, credential: body.nodeSecret, accountId: body.accountId };
}

/** Sends a full inventory as the node (its credential). */
export async function reportInventory(url: string, credential: string, inventory: Inventory): Promise<void> {
  const res = await fetch(`${url}/api/v1/agent/inventory`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json' },
    body: JSON.stringify(inventory),
  });
  if (res.status !== 200) throw new Error(`inventory: ${res.status} ${await res.text()}`);
}

/** Creates the account (as the client's user), one activation for all its nodes, enrolls them and reports their inventories. */
export async function seedAccount(url: string, client: ApiClient, name: string, nodes: SeedNode[]): Promise<{ accountId: string; nodes: SeededNode[] }> {
  const account = await client.call(endpoints.createAccount, { body: { name } });
  const activation = await client.call(endpoints.createActivation, { params: { accountId: account.id }, body: { registrationLimit: Math.max(1, nodes.length) } });
  const out: SeededNode[] = [];
  for (const n of nodes) {
    const enrolled = await enrollAgent(url, { id: activation.id, code: activation.activationCode }, n.hostname);
    if (n.tags !== undefined && Object.keys(n.tags).length > 0) await client.call(endpoints.patchNodeTags, { params: { nodeId: enrolled.nodeId }, body: { set: n.tags } });
    const installed = [...(n.extraPackages ?? []), ...n.updates.filter((u) => u.name !== 'openssl').map((u) => pkg(u.name, u.installedVersion))];
    if (n.updates.some((u) => u.name === 'openssl')) installed.push(opensslPkg('openssl', '3.0.11-1~deb12u2'));
    await reportInventory(url, enrolled.credential, debianInventory(n.hostname, installed, n.updates));
    out.push({ hostname: n.hostname, ...enrolled });
  }
  return { accountId: account.id, nodes: out };
}

/** The openssl security update that the DSA-5764-1 advisory (test/compliance/helpers opensslAdvisory) fixes. */
export const opensslSecurityUpdate = (): PendingUpdate => opensslUpdate('3.0.11-1~deb12u2', '3.0.15-1~deb12u1');
/** A security update of libxml2 that names CVE-2024-0001 itself (as apt changelogs do). */
export const libxml2SecurityUpdate = (): PendingUpdate => update('libxml2', '2.9.14+dfsg-1.3', '2.9.14+dfsg-1.3~deb12u1', true);
/** An ordinary (non-security) update: the predefined Debian baseline does not approve it. */
export const curlUpdate = (): PendingUpdate => update('curl', '7.88.1-10', '7.88.1-10+deb12u5', false);
