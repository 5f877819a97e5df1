import { Command, CommanderError, Option } from 'commander';
import { AppError } from '../domain/errors.js';
import { VERSION } from '../server/version.js';
import { registerAccountsCommand } from './commands/accounts.command.js';
import { registerActivationsCommand } from './commands/activations.command.js';
import { registerAgentCommand } from './commands/agent.command.js';
import { registerAdvisoriesCommand } from './commands/advisories.command.js';
import { registerAuditCommand } from './commands/audit.command.js';
import { registerBaselinesCommand } from './commands/baselines.command.js';
import { registerCommandsCommand } from './commands/commands.command.js';
import { registerComplianceCommand } from './commands/compliance.command.js';
import { registerGroupsCommand } from './commands/groups.command.js';
import { registerSnapshotsCommand } from './commands/snapshots.command.js';
import { registerLoginCommand } from './commands/login.command.js';
import { registerLogoutCommand } from './commands/logout.command.js';
import { registerNodesCommand } from './commands/nodes.command.js';
import { registerServerCommand } from './commands/server.command.js';
import { registerTokensCommand } from './commands/tokens.command.js';
import { registerUsersCommand } from './commands/users.command.js';
import { registerVersionCommand } from './commands/version.command.js';
import { registerWhoamiCommand } from './commands/whoami.command.js';
import { registerRunbooksCommand } from './commands/runbooks.command.js';
import { registerExecutionsCommand } from './commands/executions.command.js';
import { registerDelegationsCommand } from './commands/delegations.command.js';
import { registerWindowsCommand } from './commands/windows.command.js';
import { registerReposCommand } from './commands/repos.command.js';
import { registerPoliciesCommand } from './commands/policies.command.js';
import { registerDepsCommand } from './commands/deps.command.js';
import { CliContext } from './context.js';
import { exitCodeOf, EXIT } from './exit-codes.js';
import { ExitStatus, UsageError, type CliIo } from './io.js';

export type { CliIo } from './io.js';

/** The `patchwarden` program: global options and every command, writing to `io`. */
export function buildProgram(io: CliIo): Command {
  const cli = new CliContext(io);
  const program = new Command();
  program
    .name('patchwarden')
    .description('Patch management and compliance for Linux fleets and open-source dependencies.')
    .version(VERSION, '-V', 'output the version number (also: patchwarden --version)')
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError('(run with --help for usage)')
    .showSuggestionAfterError(true)
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .addOption(new Option('--server <url>', 'URL of the Patchwarden server (env PATCHWARDEN_SERVER, else the CLI config, else http://127.0.0.1:8420)'))
    .addOption(new Option('--token <token>', 'API token to sign in with (env PATCHWARDEN_TOKEN, else the CLI config)'))
    .addHelpText(
      'after',
      `
Start with:
  patchwarden server                              run the server
  patchwarden login --server http://127.0.0.1:8420  sign in; stores an API token for the other commands
  patchwarden whoami

The CLI config (server and token) is $PATCHWARDEN_CLI_CONFIG, else $XDG_CONFIG_HOME/patchwarden/cli.json,
else ~/.config/patchwarden/cli.json. Every command has --help; list commands take --limit, --offset,
--sort and --json. Exit codes: 0 ok, 1 error, 2 usage, 3 not signed in, 4 forbidden, 5 not found,
6 invalid or conflict, 7 server unavailable, 8 findings (deps scan, repos scan --wait), 9 partial scan.`,
    );
  registerServerCommand(program, io);
  registerLoginCommand(program, cli);
  registerLogoutCommand(program, cli);
  registerWhoamiCommand(program, cli);
  registerAccountsCommand(program, cli);
  registerUsersCommand(program, cli);
  registerTokensCommand(program, cli);
  registerAuditCommand(program, cli);
  registerActivationsCommand(program, cli);
  registerNodesCommand(program, cli);
  registerBaselinesCommand(program, cli);
  registerCommandsCommand(program, cli);
  registerComplianceCommand(program, cli);
  registerGroupsCommand(program, cli);
  registerSnapshotsCommand(program, cli);
  registerRunbooksCommand(program, cli);
  registerExecutionsCommand(program, cli);
  registerDelegationsCommand(program, cli);
  registerWindowsCommand(program, cli);
  registerPoliciesCommand(program, cli);
  registerReposCommand(program, cli);
  registerVersionCommand(program, io);
  registerAdvisoriesCommand(program, io);
  registerDepsCommand(program, io);
  registerAgentCommand(program, io);
  return program;
}

/** Prints an error the way the CLI does: one line, then the server's validation details, if any. */
function reportError(io: CliIo, err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  io.stderr.write(`patchwarden: ${message}\n`);
  // The message names the first problem; list them all when there are more.
  if (err instanceof AppError && Array.isArray(err.details) && err.details.length > 1) {
    for (const detail of err.details as unknown[]) {
      const d = detail as { in?: unknown; path?: unknown; message?: unknown };
      if (typeof d.message !== 'string') continue;
      const where = [d.in, Array.isArray(d.path) ? d.path.join('.') : d.path].filter((p) => typeof p === 'string' && p !== '').join(' ');
      io.stderr.write(`  - ${where === '' ? '' : `${where}: `}${d.message}\n`);
    }
  }
}

/**
 * Runs the CLI with `argv` (as process.argv: node, script, args…) and returns the exit code
 * (see exit-codes.ts). Never calls process.exit, so tests can run it in-process.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  // `--version` alone prints the version; elsewhere it is left to subcommands that take a version
  // argument (`advisories match --version V`), which a program-wide --version option would swallow.
  if (argv.length === 3 && argv[2] === '--version') {
    io.stdout.write(`${VERSION}\n`);
    return EXIT.ok;
  }
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv]);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (err instanceof ExitStatus) {
      if (err.message !== '') io.stderr.write(`patchwarden: ${err.message}\n`);
      return err.code;
    }
    if (err instanceof UsageError) {
      io.stderr.write(`patchwarden: ${err.message}\n(run with --help for usage)\n`);
      return EXIT.usage;
    }
    reportError(io, err);
    return err instanceof AppError ? exitCodeOf(err.code) : EXIT.error;
  }
}
