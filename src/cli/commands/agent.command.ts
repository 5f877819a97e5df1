import type { Command } from 'commander';
import { registerAgentSubcommands } from '../../agent/commands.js';
import type { CliIo } from '../io.js';

export { formatInventory } from '../../agent/format-inventory.js';

/** `patchwarden agent …`: local scans, enrollment, the agent loop and its systemd unit (src/agent/commands.ts). */
export function registerAgentCommand(program: Command, io: CliIo): void {
  const agent = program.command('agent').description('The agent that manages a host: enroll, run, local scans, the systemd unit');
  registerAgentSubcommands(agent, io);
}
