import type { Inventory, PendingUpdate, InstalledPackage } from '../../src/contracts/inventory.contract.js';
import type { TestApp } from '../helpers/app.js';

export const PLATFORM = {
  osId: 'debian',
  osIdLike: [],
  version: '12',
  codename: 'bookworm',
  prettyName: 'Debian GNU/Linux 12 (bookworm)',
  arch: 'amd64',
  packageManager: 'apt' as const,
  ecosystem: 'Debian:12',
};

export function pkg(name: string, version: string): InstalledPackage {
  return { name, arch: 'amd64', version, sourceName: name, sourceVersion: version };
}

export function update(name: string, installedVersion: string, candidateVersion: string, security = false): PendingUpdate {
  return {
    name,
    arch: 'amd64',
    installedVersion,
    candidateVersion,
    security,
    origin: { label: security ? 'Debian-Security' : 'Debian', suite: 'bookworm', codename: 'bookworm', origin: 'Debian', site: 'deb.debian.org' },
    classification: security ? 'security' : 'other',
    severity: 'unknown',
    section: 'libs',
    priority: 'optional',
    advisoryIds: [],
    cves: security ? ['CVE-2024-0001'] : [],
    releaseDate: null,
  };
}

export function inventory(hostname: string, packages: InstalledPackage[], updates: PendingUpdate[] = [], rebootRequired = false): Inventory {
  return {
    platform: PLATFORM,
    host: { hostname, addresses: ['10.0.0.5'], kernel: { running: '6.1.0-18-amd64', installed: ['6.1.0-18-amd64'] } },
    packages,
    updates,
    reboot: { required: rebootRequired, reasons: rebootRequired ? ['reboot-required-file'] : [], packages: [] },
    rebootRequired,
    collectedAt: new Date().toISOString(),
  };
}

/** Creates an activation through the API (as the admin) and returns its id and code. */
export async function activation(t: TestApp, accountId: string, body: Record<string, unknown> = {}): Promise<{ id: string; code: string }> {
  const res = await t.as(t.adminToken, 'POST', `/api/v1/accounts/${accountId}/activations`, body);
  if (res.statusCode !== 201) throw new Error(`activation: ${res.statusCode} ${res.body}`);
  return { id: res.json().id as string, code: res.json().activationCode as string };
}

/** Enrolls a node with a fresh activation; returns its id and credential. */
export async function enrolledNode(t: TestApp, accountId: string, hostname = 'web-1', tags: Record<string, string> = {}): Promise<{ nodeId: string; credential: string }> {
  const a = await activation(t, accountId, { defaultTags: tags });
  const res = await t.as(null, 'POST', '/api/v1/agent/enroll', { activationId: a.id, activationCode: a.code, hostname, platform: PLATFORM, agentVersion: '0.1.0' });
  if (res.statusCode !== 201) throw new Error(`enroll: ${res.statusCode} ${res.body}`);
  return { nodeId: res.json().nodeId as string, credential: res.json().nodeSecret as string };
}
