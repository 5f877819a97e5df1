import type { Inventory } from '../contracts/inventory.contract.js';

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
