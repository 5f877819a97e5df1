import type { OsvRecord } from '../../src/advisories/osv.schema.js';
import { expect } from 'vitest';
import type { InstalledPackage, Inventory, PendingUpdate } from '../../src/contracts/inventory.contract.js';
import type { PatchStateRecord } from '../../src/domain/compliance/model.js';
import type { TestApp } from '../helpers/app.js';
import { inventory, pkg, update } from '../nodes/helpers.js';

export { enrolledNode, inventory, pkg, update } from '../nodes/helpers.js';

/** A real-looking Debian 12 host: a base system plus the packages named, with the given pending updates. */
export function debianInventory(hostname: string, extra: InstalledPackage[], updates: PendingUpdate[] = [], rebootRequired = false): Inventory {
  const base = [
    pkg('bash', '5.2.15-2+b7'),
    pkg('coreutils', '9.1-1'),
    pkg('libc6', '2.36-9+deb12u4'),
    pkg('libssl3', '3.0.11-1~deb12u2'),
    pkg('openssh-server', '1:9.2p1-2+deb12u2'),
    pkg('systemd', '252.22-1~deb12u1'),
    pkg('tzdata', '2024a-0+deb12u1'),
  ];
  const names = new Set(extra.map((p) => p.name));
  return inventory(hostname, [...base.filter((p) => !names.has(p.name)), ...extra], updates, rebootRequired);
}

/** The OpenSSL packages as Debian builds them (binary libssl3/openssl, source openssl). */
export function opensslPkg(name: 'openssl' | 'libssl3', version: string): InstalledPackage {
  return { name, arch: 'amd64', version, sourceName: 'openssl', sourceVersion: version };
}

/** A Debian-style security update of openssl (no CVEs from the agent: the advisory engine adds them). */
export function opensslUpdate(installed: string, candidate: string): PendingUpdate {
  return { ...update('openssl', installed, candidate, true), cves: [], section: 'utils', priority: 'optional' };
}

/** A DSA-like OSV record for openssl fixed in 3.0.15-1~deb12u1 (CVSS 7.5: high). */
export function opensslAdvisory(): OsvRecord {
  return {
    id: 'DSA-5764-1',
    modified: '2024-09-03T12:00:00Z',
    published: '2024-09-03T00:00:00Z',
    aliases: ['CVE-2024-5535', 'CVE-2024-6119'],
    summary: 'openssl security update',
    severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H' }],
    affected: [
      {
        package: { ecosystem: 'Debian:12', name: 'openssl' },
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '3.0.15-1~deb12u1' }] }],
      },
    ],
  };
}

/** Sends a full inventory as the node; throws on anything but 200. */
export async function report(t: TestApp, credential: string, inv: Inventory): Promise<void> {
  const res = await t.as(credential, 'PUT', '/api/v1/agent/inventory', inv);
  if (res.statusCode !== 200) throw new Error(`inventory: ${res.statusCode} ${res.body}`);
}

/** A clock the test moves. */
export function movableClock(start: string): { clock: () => Date; advanceDays(days: number): void; set(iso: string): void } {
  let now = Date.parse(start);
  return {
    clock: () => new Date(now),
    advanceDays(days) {
      now += days * 86_400_000;
    },
    set(iso) {
      now = Date.parse(iso);
    },
  };
}

/** Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else field += c;
      continue;
    }
    if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += 1;
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** A per-patch state as evaluation stores it (a missing-able security patch of CVE-2024-0001 unless `extra` says otherwise). */
export function patchState(name: string, s: PatchStateRecord['state'], extra: Partial<PatchStateRecord> = {}): PatchStateRecord {
  return {
    name,
    arch: 'amd64',
    state: s,
    installedVersion: '1.0-1',
    candidateVersion: '1.0-2',
    approvedVersion: '1.0-2',
    approvedAt: '2026-01-01T00:00:00.000Z',
    complianceLevel: 'HIGH',
    severity: 'high',
    classification: 'security',
    security: true,
    cves: ['CVE-2024-0001'],
    advisoryIds: ['DSA-1-1'],
    releaseDate: null,
    failedAt: null,
    failureMessage: null,
    pendingRebootSince: null,
    dueAt: '2026-01-15T00:00:00.000Z',
    overdue: false,
    reason: 'rule 1',
    ...extra,
  };
}

/** GET as `token` (default: the bootstrap admin), expecting 200; the JSON body. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- API bodies are read as JSON
export async function getOk(t: TestApp, path: string, token = t.adminToken): Promise<any> {
  const res = await t.as(token, 'GET', path);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}
