import { describe, expect, it } from 'vitest';
import { inventoryDelta } from '../../src/agent/inventory-delta.js';
import { backoffDelay } from '../../src/agent/loop.js';
import { renderServiceUnit } from '../../src/agent/service-unit.js';
import { inventory, pkg, update } from '../nodes/helpers.js';

describe('agent loop pieces', () => {
  it('backs off exponentially with jitter, capped', () => {
    expect([1, 2, 3, 4, 10].map((n) => backoffDelay(n, 1000, 8000, () => 1))).toEqual([1000, 2000, 4000, 8000, 8000]);
    expect(backoffDelay(3, 1000, 8000, () => 0)).toBe(2000);
  });

  it('computes inventory deltas: upserts, removals, reboot; null when nothing changed', () => {
    const base = inventory('h', [pkg('a', '1'), pkg('b', '1')], [update('a', '1', '2')]);
    expect(inventoryDelta(base, { ...base, collectedAt: 'later' }, 4)).toBeNull();
    const next = inventory('h', [pkg('a', '2'), pkg('c', '1')], [], true);
    expect(inventoryDelta(base, next, 4)).toEqual({
      baseRevision: 4,
      collectedAt: next.collectedAt,
      packages: { upsert: [pkg('a', '2'), pkg('c', '1')], remove: [{ name: 'b', arch: 'amd64' }] },
      updates: { upsert: [], remove: [{ name: 'a', arch: 'amd64' }] },
      reboot: next.reboot,
    });
  });

  it('writes a systemd unit that restarts always after the network is online', () => {
    const unit = renderServiceUnit({ node: '/usr/bin/node', agentScript: '/opt/patchwarden/dist/agent.mjs', root: '/', stateDir: '/var/lib/patchwarden-agent' });
    expect(unit).toContain('ExecStart=/usr/bin/node /opt/patchwarden/dist/agent.mjs run --state-dir /var/lib/patchwarden-agent\n');
    expect(unit).toMatch(/^Restart=always$/m);
    expect(unit).toMatch(/^After=network-online.target$/m);
    expect(unit).not.toMatch(/ProtectSystem=strict|NoNewPrivileges=true/);
  });
});
