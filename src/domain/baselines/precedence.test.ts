import { describe, expect, it } from 'vitest';
import { chooseBaseline, operatingSystemOf, patchGroupOf, productsOf, type PlatformFacts, type PrecedenceInput } from './precedence.js';
import { predefinedBaselineIds } from './predefined.js';

const platform = (osId: string, version: string, osIdLike: string[] = []): PlatformFacts => ({ osId, version, osIdLike });

describe('operatingSystemOf and productsOf', () => {
  const table: [PlatformFacts, string | null, string[]][] = [
    [platform('debian', '12'), 'DEBIAN', ['Debian12', 'Debian']],
    [platform('debian', '13'), 'DEBIAN', ['Debian13', 'Debian']],
    [platform('ubuntu', '22.04', ['debian']), 'UBUNTU', ['Ubuntu22.04', 'Ubuntu']],
    [platform('ubuntu', '24.04', ['debian']), 'UBUNTU', ['Ubuntu24.04', 'Ubuntu']],
    [platform('rhel', '9.4', ['fedora']), 'REDHAT_ENTERPRISE_LINUX', ['RedhatEnterpriseLinux9.4', 'RedhatEnterpriseLinux9', 'RedhatEnterpriseLinux']],
    [platform('rocky', '9.4', ['rhel', 'centos', 'fedora']), 'ROCKY_LINUX', ['RockyLinux9.4', 'RockyLinux9', 'RockyLinux']],
    [platform('almalinux', '8.10', ['rhel', 'centos', 'fedora']), 'ALMA_LINUX', ['AlmaLinux8.10', 'AlmaLinux8', 'AlmaLinux']],
    [platform('centos', '9', ['rhel', 'fedora']), 'CENTOS', ['CentOS9', 'CentOS']],
    [platform('ol', '9.3', ['fedora']), 'ORACLE_LINUX', ['OracleLinux9.3', 'OracleLinux9', 'OracleLinux']],
    [platform('amzn', '2023', ['fedora']), 'AMAZON_LINUX_2023', ['AmazonLinux2023', 'AmazonLinux']],
    [platform('amzn', '2', ['centos', 'rhel', 'fedora']), null, []],
    [platform('fedora', '40'), 'FEDORA', ['Fedora40', 'Fedora']],
    [platform('Debian', '12'), 'DEBIAN', ['Debian12', 'Debian']],
    [platform('linuxmint', '21.3', ['ubuntu', 'debian']), 'UBUNTU', ['Ubuntu']],
    [platform('raspbian', '12', ['debian']), 'DEBIAN', ['Debian']],
    [platform('eurolinux', '9.2', ['rhel', 'fedora', 'centos']), 'REDHAT_ENTERPRISE_LINUX', ['RedhatEnterpriseLinux']],
    [platform('alpine', '3.20.1'), null, []],
    [platform('debian', ''), 'DEBIAN', ['Debian']],
    [platform('debian', 'trixie/sid'), 'DEBIAN', ['Debian']],
  ];
  it.each(table)('%j → %s %j', (p, os, products) => {
    expect(operatingSystemOf(p)).toBe(os);
    expect(productsOf(p)).toEqual(products);
  });
});

describe('chooseBaseline', () => {
  const input = (over: Partial<PrecedenceInput> = {}): PrecedenceInput => ({
    os: 'DEBIAN',
    patchGroup: null,
    patchGroupBaselineIds: {},
    accountDefaultIds: {},
    predefinedIds: predefinedBaselineIds(),
    ...over,
  });
  const all = {
    override: { baselineIds: { DEBIAN: 'pb_override' } },
    policy: { id: 'pp_1', name: 'fleet', baselineIds: { DEBIAN: 'pb_policy' } },
    patchGroup: 'web',
    patchGroupBaselineIds: { DEBIAN: 'pb_group' },
    accountDefaultIds: { DEBIAN: 'pb_default' },
  };
  // [name, input, baselineId, source, reason]
  const table: [string, PrecedenceInput, string, string, string][] = [
    ['override wins', input(all), 'pb_override', 'override', "the operation's override gives baseline pb_override for DEBIAN"],
    [
      'override without the OS',
      input({ ...all, override: { baselineIds: { UBUNTU: 'pb_u' } } }),
      'pb_policy',
      'policy',
      `the operation's override has no baseline for DEBIAN; patch policy "fleet" gives baseline pb_policy for DEBIAN`,
    ],
    ['policy over group', input({ ...all, override: undefined }), 'pb_policy', 'policy', 'patch policy "fleet" gives baseline pb_policy for DEBIAN'],
    [
      'policy without the OS',
      input({ ...all, override: undefined, policy: { id: 'pp_1', name: 'fleet', baselineIds: {} } }),
      'pb_group',
      'patchGroup',
      'patch policy "fleet" has no baseline for DEBIAN; patch group "web" registers baseline pb_group for DEBIAN',
    ],
    ['group over default', input({ ...all, override: undefined, policy: undefined }), 'pb_group', 'patchGroup', 'patch group "web" registers baseline pb_group for DEBIAN'],
    [
      'group without the OS',
      input({ ...all, override: undefined, policy: undefined, patchGroupBaselineIds: { UBUNTU: 'pb_u' } }),
      'pb_default',
      'accountDefault',
      `patch group "web" has no baseline for DEBIAN; the account's default for DEBIAN`,
    ],
    ['no group tag', input({ accountDefaultIds: { DEBIAN: 'pb_default' } }), 'pb_default', 'accountDefault', "the account's default for DEBIAN"],
    ['predefined', input(), 'pb-predefined-debian', 'predefined', 'no account default for DEBIAN; the predefined baseline for DEBIAN'],
    [
      'everything skipped to predefined',
      input({ os: 'ROCKY_LINUX', ...all }),
      'pb-predefined-rocky',
      'predefined',
      `the operation's override has no baseline for ROCKY_LINUX; patch policy "fleet" has no baseline for ROCKY_LINUX; patch group "web" has no baseline for ROCKY_LINUX; no account default for ROCKY_LINUX; the predefined baseline for ROCKY_LINUX`,
    ],
  ];
  it.each(table)('%s', (_name, i, baselineId, source, reason) => {
    expect(chooseBaseline(i)).toEqual({ baselineId, source, reason });
  });

  it('unsupported OS is an error naming the supported ones', () => {
    const r = chooseBaseline(input({ os: null }));
    expect('error' in r && r.error).toContain('not supported by patch baselines (supported: DEBIAN, UBUNTU');
  });

  it('no predefined baseline is an error', () => {
    const r = chooseBaseline(input({ predefinedIds: {} }));
    expect('error' in r && r.error).toBe('no baseline applies: no account default and no predefined baseline for DEBIAN');
  });

  it.each([
    [{ PatchGroup: 'web' }, 'web'],
    [{ 'Patch Group': 'db' }, 'db'],
    [{ PatchGroup: 'web', 'Patch Group': 'db' }, 'web'],
    [{ patchgroup: 'web' }, null],
    [{}, null],
  ])('patchGroupOf(%j) = %s', (tags, want) => expect(patchGroupOf(tags)).toBe(want));
});
