import { describe, expect, it } from 'vitest';
import { installedKernels } from './kernels.js';
import { osvEcosystem, parseOsRelease } from './os-release.js';

const os = (text: string) => parseOsRelease(text);

describe('os-release and OSV ecosystems', () => {
  it('parses quoted values and escapes', () => {
    expect(os('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian"\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\nID=debian\n')).toEqual({
      id: 'debian',
      idLike: [],
      versionId: '12',
      codename: 'bookworm',
      prettyName: 'Debian GNU/Linux 12 (bookworm)',
    });
    expect(os("ID='rocky'\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"9.4\"\nPRETTY_NAME=\"Rocky \\\"Blue\\\" Onyx\"").idLike).toEqual(['rhel', 'centos', 'fedora']);
    expect(os('ID="rocky"\nPRETTY_NAME="Rocky \\"Blue\\""').prettyName).toBe('Rocky "Blue"');
  });

  it.each([
    ['ID=debian\nVERSION_ID="12"', 'Debian:12'],
    ['ID=debian\nVERSION_ID="11"', 'Debian:11'],
    ['ID=ubuntu\nVERSION_ID="22.04"', 'Ubuntu:22.04:LTS'],
    ['ID=ubuntu\nVERSION_ID="23.04"', 'Ubuntu:23.04'],
    ['ID=ubuntu\nVERSION_ID="24.10"', 'Ubuntu:24.10'],
    ['ID="almalinux"\nVERSION_ID="9.4"', 'AlmaLinux:9'],
    ['ID="rocky"\nVERSION_ID="8.10"', 'Rocky Linux:8'],
    ['ID="rhel"\nVERSION_ID="9.4"', 'Red Hat'],
    ['ID=fedora\nVERSION_ID=40', 'Fedora:40'],
    ['ID="amzn"\nVERSION_ID="2023"', 'Amazon Linux:2023'],
  ])('%j → %s', (text, ecosystem) => {
    expect(osvEcosystem(os(text))).toBe(ecosystem);
  });

  it('lists installed kernels in uname -r form, newest first, without meta packages', () => {
    const pkg = (name: string, version: string, arch = 'amd64') => ({ name, arch, version, sourceName: name, sourceVersion: version });
    expect(installedKernels([pkg('linux-image-6.1.0-18-amd64', '6.1.76-1'), pkg('linux-image-amd64', '6.1.90-1'), pkg('linux-image-6.1.0-21-amd64', '6.1.90-1')], 'apt')).toEqual([
      '6.1.0-21-amd64',
      '6.1.0-18-amd64',
    ]);
    expect(installedKernels([pkg('kernel-core', '5.14.0-362.8.1.el9_3', 'x86_64'), pkg('kernel-core', '5.14.0-427.13.1.el9_4', 'x86_64'), pkg('kernel', '5.14.0-427.13.1.el9_4', 'x86_64')], 'dnf')).toEqual([
      '5.14.0-427.13.1.el9_4.x86_64',
      '5.14.0-362.8.1.el9_3.x86_64',
    ]);
  });
});
