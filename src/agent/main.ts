import { Command, CommanderError } from 'commander';
import { registerAgentSubcommands } from './commands.js';
import { AGENT_VERSION } from './version.js';

/**
 * The entry of the agent bundle (dist/agent.mjs): `node dist/agent.mjs enroll|run|scan|install-service`,
 * the same subcommands as `patchwarden agent …`, with nothing of the server inside.
 */
async function main(argv: readonly string[]): Promise<number> {
  const io = { stdout: process.stdout, stderr: process.stderr, env: process.env };
  const program = new Command()
    .name('patchwarden-agent')
    .description('The Patchwarden agent: enrollment, the agent loop, local scans, the systemd unit.')
    .version(AGENT_VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  registerAgentSubcommands(program, io);
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    io.stderr.write(`patchwarden-agent: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv);
