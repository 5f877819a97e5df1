import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Option, type Command } from 'commander';
import { Inventory } from '../contracts/inventory.contract.js';
import { defaultStateDir, readAgentConfig, readEnrollment } from './credentials.js';
import { enrollAgent } from './enroll.js';
import { formatInventory } from './format-inventory.js';
import { AgentLoop } from './loop.js';
import { scanLocal } from './scan.js';
import { renderServiceUnit, writeServiceUnit } from './service-unit.js';

/** The streams and environment of one run of the agent commands (the CLI's CliIo fits). */
export interface AgentIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: Readonly<Record<string, string | undefined>>;
}

interface ScanFlags {
  local?: boolean;
  root: string;
  cves?: boolean;
  json?: boolean;
  stateDir?: string;
}

interface EnrollFlags {
  server: string;
  activationId: string;
  activationCode: string;
  root: string;
  stateDir?: string;
  ca?: string;
  force?: boolean;
}

interface RunFlags {
  root: string;
  stateDir?: string;
  once?: boolean;
  ca?: string;
  pollWait?: string;
  backoffMaxMs?: string;
  inventoryInterval?: string;
  scriptChrootless?: boolean;
}

interface InstallServiceFlags {
  root: string;
  stateDir?: string;
  unitDir: string;
  print?: boolean;
  agentScript?: string;
}

const stateDirOf = (flags: { root: string; stateDir?: string }, io: AgentIo) => resolve(flags.stateDir ?? io.env.PATCHWARDEN_AGENT_STATE_DIR ?? defaultStateDir(flags.root));

/** dist/agent.mjs next to this module (bundle) or in dist/ of the package (src/ or dist/cli layouts). */
function agentScriptPath(): string {
  const self = fileURLToPath(import.meta.url);
  if (self.endsWith('.mjs')) return self;
  const here = dirname(self);
  return here.endsWith(join('dist', 'agent')) ? join(here, '..', 'agent.mjs') : resolve(here, '../../dist/agent.mjs');
}

/** Registers `scan`, `enroll`, `run` and `install-service` on `agent` (the CLI's `agent` command, or the bundle's program). */
export function registerAgentSubcommands(agent: Command, io: AgentIo): void {
  agent
    .command('scan')
    .description('Scan a host (or a root file system) for installed packages, pending updates and reboot signals')
    .option('--local', 'scan here and print the result, without any server (required: `agent run` reports to the server)')
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
    .action(async (flags: ScanFlags, cmd: Command) => {
      if (flags.local !== true) cmd.error('patchwarden: pass --local (scans for the server are run by `agent run`)');
      const stateDir = flags.stateDir ?? io.env.PATCHWARDEN_AGENT_STATE_DIR;
      const inv = Inventory.parse(await scanLocal({ root: flags.root, cves: flags.cves === true, ...(stateDir !== undefined && { stateDir }) }));
      io.stdout.write(flags.json === true ? `${JSON.stringify(inv, null, 2)}\n` : formatInventory(inv));
    });

  agent
    .command('enroll')
    .description('Exchange an activation for node credentials, stored mode 0600 in the state directory')
    .requiredOption('--server <url>', 'URL of the Patchwarden server (https:// in production)')
    .requiredOption('--activation-id <id>', 'the activation id (from `patchwarden activations create`)')
    .requiredOption('--activation-code <code>', 'the activation code (shown once when the activation was created)')
    .option('--root <dir>', 'the root file system this agent manages', '/')
    .option('--state-dir <dir>', 'where the enrollment and the journal live; default /var/lib/patchwarden-agent (ROOT/var/lib/patchwarden-agent with --root)')
    .option('--ca <file>', 'PEM file of the CA to trust (pinned) for an https server')
    .option('--force', 'replace an existing enrollment')
    .action(async (flags: EnrollFlags) => {
      const stateDir = stateDirOf(flags, io);
      const ca = flags.ca === undefined ? null : await readFile(flags.ca, 'utf8');
      const { enrollment, path } = await enrollAgent({
        server: flags.server,
        activationId: flags.activationId,
        activationCode: flags.activationCode,
        root: resolve(flags.root),
        stateDir,
        ca,
        force: flags.force === true,
      });
      io.stdout.write(`Enrolled as node ${enrollment.nodeId} (account ${enrollment.accountId}) at ${enrollment.server}; credentials in ${path}.\nStart the agent: patchwarden agent run${flags.root === '/' ? '' : ` --root ${flags.root}`}${flags.stateDir === undefined ? '' : ` --state-dir ${flags.stateDir}`}\n`);
    });

  agent
    .command('run')
    .description('Run the agent: heartbeat, inventory (full, then deltas), long-poll for Scan/Install, journaled results')
    .option('--root <dir>', 'the root file system this agent manages (a reboot there is simulated by clearing its reboot-required marker)', '/')
    .option('--state-dir <dir>', 'where the enrollment and the journal live; default /var/lib/patchwarden-agent (ROOT/var/lib/patchwarden-agent with --root)')
    .option('--once', 'one cycle: deliver journaled results, heartbeat, inventory, run the commands waiting, then exit')
    .option('--ca <file>', 'PEM file of the CA to trust (pinned) for https, instead of the one stored at enrollment')
    .addOption(new Option('--poll-wait <seconds>', 'long-poll wait (default 60)').hideHelp())
    .addOption(new Option('--backoff-max-ms <ms>', 'longest reconnect delay (default 300000)').hideHelp())
    .addOption(new Option('--inventory-interval <seconds>', 'seconds between rescans for inventory deltas').hideHelp())
    .addOption(new Option('--script-chrootless', 'run maintainer scripts chrootless on a --root (synthetic test packages only)').hideHelp())
    .action(async (flags: RunFlags) => {
      const stateDir = stateDirOf(flags, io);
      const stored = await readEnrollment(stateDir);
      if (stored === null) throw new Error(`this agent is not enrolled (no enrollment in ${stateDir}); run \`patchwarden agent enroll\` first`);
      const enrollment = flags.ca === undefined ? stored : { ...stored, ca: await readFile(flags.ca, 'utf8') };
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      const num = (s: string | undefined) => (s === undefined ? undefined : Number(s));
      const pollWait = num(flags.pollWait);
      const backoffMax = num(flags.backoffMaxMs);
      const interval = num(flags.inventoryInterval);
      const loop = new AgentLoop({
        enrollment,
        stateDir,
        root: resolve(flags.root),
        config: await readAgentConfig(stateDir),
        signal: controller.signal,
        once: flags.once === true,
        ...(pollWait === undefined ? {} : { pollWaitSeconds: pollWait }),
        ...(backoffMax === undefined ? {} : { backoff: { initialMs: Math.min(1000, backoffMax), maxMs: backoffMax } }),
        ...(interval === undefined ? {} : { inventoryIntervalMs: interval * 1000 }),
        ...(flags.scriptChrootless === true && { scriptChrootless: true }),
        log: (message, fields) => io.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), node: enrollment.nodeId, msg: message, ...fields })}\n`),
      });
      try {
        await loop.run();
      } finally {
        process.off('SIGTERM', stop);
        process.off('SIGINT', stop);
      }
    });

  agent
    .command('install-service')
    .description('Write the systemd unit that runs the agent (patchwarden-agent.service)')
    .option('--root <dir>', 'the root file system the agent manages', '/')
    .option('--state-dir <dir>', 'the agent state directory; default /var/lib/patchwarden-agent (ROOT/var/lib/patchwarden-agent with --root)')
    .option('--unit-dir <dir>', 'where to write the unit', '/etc/systemd/system')
    .option('--print', 'print the unit instead of writing it')
    .addOption(new Option('--agent-script <path>', 'path of dist/agent.mjs (default: the one of this installation)').hideHelp())
    .action(async (flags: InstallServiceFlags) => {
      const root = resolve(flags.root);
      const text = renderServiceUnit({ node: process.execPath, agentScript: resolve(flags.agentScript ?? agentScriptPath()), root, stateDir: stateDirOf(flags, io) });
      if (flags.print === true) {
        io.stdout.write(text);
        return;
      }
      const path = await writeServiceUnit(flags.unitDir, text);
      io.stdout.write(`Wrote ${path}. Enable it: systemctl daemon-reload && systemctl enable --now patchwarden-agent\n`);
    });
}
