import type { Command } from 'commander';
import { Inventory } from '../../contracts/inventory.contract.js';
import { scanLocal } from '../../agent/scan.js';
import type { CliIo } from '../io.js';
import { UsageError } from '../io.js';

interface ScanFlags {
  local?: boolean;
  root: string;
  cves?: boolean;
  json?: boolean;
  stateDir?: string;
}

/** The readable summary of an inventory: platform, counts, then one line per pending update. */
export function formatInventory(inv: Inventory): string {
  const p = inv.platform;
  const security = inv.updates.filter((u) => u.security).length;
  const lines = [
    `Host:      ${inv.host.hostname}${inv.host.addresses.length > 0 ? ` (${inv.host.addresses.join(', ')})` : ''}`,
    `Platform:  ${p.prettyName} — ${p.osId} ${p.version}${p.codename === '' ? '' : ` (${p.codename})`}, ${p.arch}, ${p.packageManager}, ecosystem ${p.ecosystem}`,
    ...(inv.host.kernel.running === '' ? [] : [`Kernel:    ${inv.host.kernel.running}${inv.host.kernel.installed.length > 0 ? ` (installed: ${inv.host.kernel.installed.join(', ')})` : ''}`]),
    `Packages:  ${inv.packages.length} installed`,
    `Updates:   ${inv.updates.length} pending, ${security} security`,
    `Reboot:    ${inv.reboot.required ? `required (${inv.reboot.reasons.join(', ')}${inv.reboot.packages.length > 0 ? `; ${inv.reboot.packages.join(', ')}` : ''})` : 'not required'}`,
  ];
  if (inv.updates.length > 0) {
    const rows = inv.updates.map((u) => [u.security ? 'SECURITY' : '', u.name, u.arch, u.installedVersion, u.candidateVersion, `${u.origin.label}/${u.origin.codename || u.origin.suite}`, u.cves.join(' ')]);
    const head = ['', 'PACKAGE', 'ARCH', 'INSTALLED', 'CANDIDATE', 'ORIGIN', 'CVES'];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
    const fmt = (r: string[]) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
    lines.push('', fmt(head), ...rows.map(fmt));
  }
  return `${lines.join('\n')}\n`;
}

/** `patchwarden agent …`: the agent's local commands (for now `agent scan --local`). */
export function registerAgentCommand(program: Command, io: CliIo): void {
  const agent = program.command('agent').description('The agent that manages a host: local scans (enrollment and the agent loop come later)');
  agent
    .command('scan')
    .description('Scan a host (or a root file system) for installed packages, pending updates and reboot signals')
    .option('--local', 'scan here and print the result, without any server (required for now)')
    .option('--root <dir>', 'the root file system to scan (chroot, container image tree); nothing of the host is read then', '/')
    .option('--cves', 'read CVE ids of pending updates from the candidate packages\' changelogs (downloads the .debs once; cached)')
    .option('--json', 'print the whole inventory as JSON')
    .option('--state-dir <dir>', 'the agent state directory (generated apt configuration, changelog cache); default $PATCHWARDEN_AGENT_STATE_DIR, else a directory under the system temp dir')
    .addHelpText(
      'after',
      `
Examples:
  patchwarden agent scan --local                      this host: platform, counts and the pending updates
  patchwarden agent scan --local --json --cves        the whole inventory as JSON, with CVE ids from changelogs
  patchwarden agent scan --local --root /srv/chroot   a Debian or RHEL-family tree other than /

JSON: { platform, host, packages: [{name, arch, version, sourceName, sourceVersion}], updates: [{name, arch,
installedVersion, candidateVersion, security, origin: {label, suite, codename, origin, site}, classification,
section, priority, cves, ...}], reboot, rebootRequired, collectedAt }.`,
    )
    .action(async (flags: ScanFlags) => {
      if (flags.local !== true) throw new UsageError('only local scans exist so far: pass --local');
      const stateDir = flags.stateDir ?? io.env.PATCHWARDEN_AGENT_STATE_DIR;
      const inv = Inventory.parse(await scanLocal({ root: flags.root, cves: flags.cves === true, ...(stateDir !== undefined && { stateDir }) }));
      io.stdout.write(flags.json === true ? `${JSON.stringify(inv, null, 2)}\n` : formatInventory(inv));
    });
}
