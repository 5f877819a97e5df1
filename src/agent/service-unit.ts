import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface ServiceUnitOptions {
  /** Absolute path of the node binary. */
  node: string;
  /** Absolute path of dist/agent.mjs. */
  agentScript: string;
  /** The root managed (`/`: the host). */
  root: string;
  stateDir: string;
}

const quote = (s: string) => (/^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `"${s.replace(/(["\\])/g, '\\$1')}"`);

/**
 * The systemd unit of the agent: starts after the network is online, restarts always, and is
 * hardened without taking away what package management needs (it writes /usr, /etc, /var, /boot
 * and runs maintainer scripts, so no ProtectSystem=strict, no NoNewPrivileges).
 */
export function renderServiceUnit(o: ServiceUnitOptions): string {
  const args = [o.node, o.agentScript, 'run', ...(o.root === '/' ? [] : ['--root', o.root]), '--state-dir', o.stateDir].map(quote).join(' ');
  return `[Unit]
Description=Patchwarden agent (patches this host under the Patchwarden server's policy)
Wants=network-online.target
After=network-online.target

[Service]
Type=simple
ExecStart=${args}
Restart=always
RestartSec=10s
# Package operations are ended by the agent, not by systemd: let an install finish on stop.
KillMode=process
TimeoutStopSec=15min
UMask=0077
# Hardening that still allows apt/dnf and maintainer scripts to manage the system.
PrivateTmp=true
ProtectHome=read-only
ProtectClock=true
ProtectHostname=true
ProtectKernelLogs=true
RestrictRealtime=true
LockPersonality=true
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK
StateDirectory=patchwarden-agent
StateDirectoryMode=0700

[Install]
WantedBy=multi-user.target
`;
}

/** Writes the unit as UNIT_DIR/patchwarden-agent.service and returns its path. */
export async function writeServiceUnit(unitDir: string, text: string): Promise<string> {
  await mkdir(unitDir, { recursive: true });
  const path = join(unitDir, 'patchwarden-agent.service');
  await writeFile(path, text, { mode: 0o644 });
  return path;
}
