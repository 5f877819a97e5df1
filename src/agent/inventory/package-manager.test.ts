import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDriver, detectPackageManager } from './package-manager.js';
import { rebootStatus } from './reboot.js';

const base = mkdtempSync(join(tmpdir(), 'pw-inventory-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

function tree(name: string, files: Record<string, string>): string {
  const root = join(base, name);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  mkdirSync(root, { recursive: true });
  return root;
}

describe('package manager detection and reboot signals', () => {
  it('detects apt or dnf from os-release, else from the package database', async () => {
    expect(await detectPackageManager(tree('deb', { 'etc/os-release': 'ID=debian\nVERSION_ID=12\n' }))).toBe('apt');
    expect(await detectPackageManager(tree('mint', { 'usr/lib/os-release': 'ID=linuxmint\nID_LIKE="ubuntu debian"\n' }))).toBe('apt');
    expect(await detectPackageManager(tree('alma', { 'etc/os-release': 'ID="almalinux"\nID_LIKE="rhel centos fedora"\n' }))).toBe('dnf');
    expect(await detectPackageManager(tree('bare-deb', { 'var/lib/dpkg/status': '' }))).toBe('apt');
    expect(await detectPackageManager(tree('bare-rpm', { 'var/lib/rpm/rpmdb.sqlite': '' }))).toBe('dnf');
    expect(await detectPackageManager(tree('empty', {}))).toBeNull();
  });

  it('creates the apt driver for a Debian root and explains an unknown one', async () => {
    const d = await createDriver(tree('deb2', { 'etc/os-release': 'ID=debian\n' }), { stateDir: join(base, 'state') });
    expect(d.name).toBe('apt');
    await expect(createDriver(tree('empty2', {}))).rejects.toThrow(/cannot tell which package manager/);
  });

  it('reads reboot-required files under run/ and var/run/, and compares the running kernel (host only)', async () => {
    const root = tree('reboot', { 'var/run/reboot-required': '', 'var/run/reboot-required.pkgs': 'linux-image-6.1.0-21-amd64\n' });
    expect(await rebootStatus({ root, packageManager: 'apt', runningKernel: null, installedKernels: [] })).toEqual({
      required: true,
      reasons: ['reboot-required-file'],
      packages: ['linux-image-6.1.0-21-amd64'],
    });
    const none = tree('no-reboot', {});
    const kernels = ['6.1.0-21-amd64', '6.1.0-18-amd64'];
    expect(await rebootStatus({ root: none, packageManager: 'apt', runningKernel: '6.1.0-18-amd64', installedKernels: kernels })).toMatchObject({ required: true, reasons: ['newer-kernel-installed'] });
    expect(await rebootStatus({ root: none, packageManager: 'apt', runningKernel: '6.1.0-21-amd64', installedKernels: kernels })).toMatchObject({ required: false, reasons: [] });
    expect(await rebootStatus({ root: none, packageManager: 'dnf', runningKernel: null, installedKernels: [], extra: [{ reason: 'needs-restarting', required: true }] })).toMatchObject({ required: true, reasons: ['needs-restarting'] });
  });
});
