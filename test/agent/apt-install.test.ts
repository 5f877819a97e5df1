import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AptDriver } from '../../src/agent/package-managers/apt/index.js';
import { aptOnRoot, aptToolsAvailable, buildDemoWorld, makeWorkDir, mkroot, testDriver, type DemoWorld } from '../helpers/apt-root.js';
import { requireComponent } from '../helpers/components.js';
import { isSleep, processesOf } from '../helpers/processes.js';

const available = requireComponent('apt/dpkg test tooling', aptToolsAvailable(), 'install dpkg-dev and apt-utils: apt-get install dpkg-dev apt-utils');

/** What the host's package state looks like (content hash and mtime), to prove it is untouched. */
function hostFingerprint(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of ['/var/lib/dpkg/status', '/var/log/dpkg.log', '/var/log/apt/history.log', '/var/log/apt/term.log']) {
    if (!existsSync(f)) {
      out[f] = 'absent';
      continue;
    }
    out[f] = `${createHash('sha256').update(readFileSync(f)).digest('hex')} ${statSync(f).mtimeMs}`;
  }
  return out;
}

describe.runIf(available)('apt driver: exact-version installs on isolated roots', () => {
  let work: string;
  let world: DemoWorld;
  let n = 0;
  const host = available ? hostFingerprint() : {};

  beforeAll(() => {
    work = makeWorkDir();
    world = buildDemoWorld(join(work, 'world'));
  });
  afterAll(() => {
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  /** A fresh root with these packages installed (name=version). */
  async function freshRoot(installs: string[]): Promise<{ root: string; d: AptDriver }> {
    const root = mkroot(join(work, `root-${++n}`), world.sources);
    const d = testDriver(root, join(work, `state-${n}`));
    await aptOnRoot(d, 'apt-get', ['update', '-q']);
    if (installs.length > 0) await aptOnRoot(d, 'apt-get', ['install', '-y', '-q', ...installs]);
    return { root, d };
  }
  const versions = async (d: AptDriver) => Object.fromEntries((await d.installedPackages()).map((p) => [p.name, p.version]));

  it('installs exact versions (older than the newest too), reports already-installed and not-available', async () => {
    const { d } = await freshRoot(['demo-lib=1.0-1', 'demo-sec=1.0-1+deb12u1']);
    const progress: string[] = [];
    const r = await d.install([
      { name: 'demo-lib', version: '1.0-2' },
      { name: 'demo-sec', version: '1.0-1' },
      { name: 'demo-scripted', version: '1.0-1' },
      { name: 'demo-app', version: '9.9-9' },
    ], { onOutput: (line) => progress.push(line) });
    expect(r.refused).toBeUndefined();
    expect(r.outcomes).toEqual([
      { name: 'demo-lib', arch: 'all', requestedVersion: '1.0-2', installedVersion: '1.0-2', state: 'installed' },
      { name: 'demo-sec', arch: 'all', requestedVersion: '1.0-1', installedVersion: '1.0-1+deb12u1', state: 'already-installed' },
      { name: 'demo-scripted', arch: 'all', requestedVersion: '1.0-1', installedVersion: '1.0-1', state: 'installed' },
      expect.objectContaining({ name: 'demo-app', requestedVersion: '9.9-9', installedVersion: null, state: 'not-available' }),
    ]);
    expect(r.ok).toBe(false);
    expect(await versions(d)).toMatchObject({ 'demo-lib': '1.0-2', 'demo-scripted': '1.0-1' });
    // The postinst ran (chrootless, inside the root) and the log went to the root's dpkg.log.
    expect(readFileSync(join(d.root, 'var/tmp/demo-scripted-postinst.log'), 'utf8')).toMatch(/postinst configure 1\.0-1/);
    expect(readFileSync(join(d.root, 'var/log/dpkg.log'), 'utf8')).toMatch(/status installed demo-lib:all 1\.0-2/);
    expect(r.rebootRequired).toBe(false);
    expect(progress).toEqual(expect.arrayContaining([expect.stringMatching(/Setting up demo-lib \(1\.0-2\)/)]));
    expect(r.output).toMatch(/Setting up demo-scripted \(1\.0-1\)/);
  });

  it('does not change a held package, even when its version is approved', async () => {
    const { d } = await freshRoot(['demo-held=1.0-1', 'demo-lib=1.0-1']);
    await aptOnRoot(d, 'apt-mark', ['hold', 'demo-held']);
    const r = await d.install([
      { name: 'demo-held', version: '1.0-2' },
      { name: 'demo-lib', version: '1.0-3' },
    ]);
    expect(r.outcomes[0]).toMatchObject({ name: 'demo-held', installedVersion: '1.0-1', state: 'failed', message: expect.stringMatching(/held/) });
    expect(r.outcomes[1]).toMatchObject({ name: 'demo-lib', installedVersion: '1.0-3', state: 'installed' });
    expect((await versions(d))['demo-held']).toBe('1.0-1');
  });

  it('refuses a transaction that would remove a package, and changes nothing', async () => {
    const { root, d } = await freshRoot(['demo-tool=1.0-1', 'demo-plugin=1.0-1']);
    const before = readFileSync(join(root, 'var/lib/dpkg/status'), 'utf8');
    const r = await d.install([{ name: 'demo-tool', version: '1.0-2' }]);
    expect(r.ok).toBe(false);
    expect(r.refused).toMatchObject({ reason: 'would-remove', packages: ['demo-plugin'] });
    expect(r.outcomes).toEqual([expect.objectContaining({ name: 'demo-tool', arch: 'all', installedVersion: '1.0-1', state: 'not-attempted' })]);
    expect(readFileSync(join(root, 'var/lib/dpkg/status'), 'utf8')).toBe(before);
  });

  it('reports a failing postinst truthfully, then recovers the interrupted dpkg before the next install', async () => {
    const { root, d } = await freshRoot(['demo-lib=1.0-1']);
    const first = await d.install([{ name: 'demo-broken', version: '1.0-1' }]);
    expect(first.outcomes[0]).toMatchObject({ name: 'demo-broken', state: 'failed', installedVersion: null, message: expect.stringMatching(/half-configured/) });
    expect(first.output).toMatch(/fails on purpose/);
    writeFileSync(join(root, 'var/tmp/allow-demo-broken'), '');
    const second = await d.install([{ name: 'demo-lib', version: '1.0-2' }]);
    expect(second.output).toMatch(/dpkg was interrupted; recovering/);
    expect(second.outcomes[0]).toMatchObject({ state: 'installed' });
    expect(await versions(d)).toMatchObject({ 'demo-broken': '1.0-1', 'demo-lib': '1.0-2' });
  });

  it('recovers after dpkg is killed mid-install', async () => {
    const { root, d } = await freshRoot([]);
    const running = d.install([{ name: 'demo-slow', version: '1.0-1' }]);
    // Wait for the postinst (sleep 30) of this root, then kill every process working on this root.
    const ours = () => processesOf(root);
    for (let i = 0; i < 200 && !ours().some(isSleep); i++) await new Promise((r) => setTimeout(r, 25));
    for (const pid of ours()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    const killed = await running;
    expect(killed.outcomes[0]).toMatchObject({ name: 'demo-slow', state: 'failed' });
    expect(readFileSync(join(root, 'var/lib/dpkg/status'), 'utf8')).toMatch(/Package: demo-slow\nStatus: install ok (half-configured|unpacked)/);
    // The next run recovers; the postinst sleeps again, so let it be quick this time.
    writeFileSync(join(root, 'var/lib/dpkg/info/demo-slow.postinst'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    const next = await d.install([{ name: 'demo-lib', version: '1.0-1' }]);
    expect(next.output).toMatch(/dpkg was interrupted; recovering/);
    expect(await versions(d)).toMatchObject({ 'demo-slow': '1.0-1', 'demo-lib': '1.0-1' });
  });

  it('waits for the dpkg lock up to the timeout, then refuses; installs once the lock is free', async () => {
    const { root, d } = await freshRoot(['demo-lib=1.0-1']);
    // apt locks with fcntl: hold the root's lock-frontend the same way from another process.
    const holder = spawn('python3', ['-c', 'import fcntl,sys,time; f=open(sys.argv[1],"w"); fcntl.lockf(f, fcntl.LOCK_EX); print("locked", flush=True); time.sleep(60)', join(root, 'var/lib/dpkg/lock-frontend')], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    try {
      await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()));
      const start = Date.now();
      const r = await d.install([{ name: 'demo-lib', version: '1.0-2' }], { lockTimeoutSeconds: 1 });
      expect(Date.now() - start).toBeGreaterThanOrEqual(900);
      expect(r.refused).toMatchObject({ reason: 'lock-timeout' });
      expect(r.outcomes[0]).toMatchObject({ state: 'not-attempted', installedVersion: '1.0-1' });
    } finally {
      if (holder.pid !== undefined) process.kill(holder.pid, 'SIGKILL');
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await d.install([{ name: 'demo-lib', version: '1.0-2' }], { lockTimeoutSeconds: 5 })).outcomes[0]).toMatchObject({ state: 'installed' });
  });

  it('says a reboot is required when the root signals it after the install', async () => {
    const { root, d } = await freshRoot(['demo-lib=1.0-1']);
    mkdirSync(join(root, 'var/run'), { recursive: true });
    writeFileSync(join(root, 'var/run/reboot-required'), '');
    const r = await d.install([{ name: 'demo-lib', version: '1.0-3' }]);
    expect(r).toMatchObject({ ok: true, rebootRequired: true });
  });

  it('left the host untouched: its dpkg status and logs are unchanged', () => {
    expect(hostFingerprint()).toEqual(host);
  });
});
