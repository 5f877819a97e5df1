import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
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

  it('patchwarden agent install-service writes the unit (or prints it with --print)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-unit-'));
    try {
      const out: string[] = [];
      const stdout = new PassThrough();
      stdout.on('data', (c: Buffer) => out.push(c.toString()));
      const io = { stdout, stderr: new PassThrough(), stdin: new PassThrough(), env: {} };
      const code = await main(['node', 'patchwarden', 'agent', 'install-service', '--unit-dir', dir, '--agent-script', '/opt/pw/dist/agent.mjs', '--root', '/srv/guest'], io);
      expect(code).toBe(0);
      const unit = readFileSync(join(dir, 'patchwarden-agent.service'), 'utf8');
      expect(unit).toContain(`ExecStart=${process.execPath} /opt/pw/dist/agent.mjs run --root /srv/guest --state-dir /srv/guest/var/lib/patchwarden-agent\n`);
      expect(out.join('')).toMatch(/^Wrote .*patchwarden-agent.service/);
      out.length = 0;
      expect(await main(['node', 'patchwarden', 'agent', 'install-service', '--print', '--agent-script', '/opt/pw/dist/agent.mjs'], io)).toBe(0);
      expect(out.join('')).toMatch(/^\[Unit\]/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
