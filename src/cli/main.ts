import { Command, CommanderError } from 'commander';
import { AppError } from '../domain/errors.js';
import { VERSION } from '../server/version.js';
import { registerServerCommand } from './commands/server.command.js';
import { exitCodeOf, EXIT } from './exit-codes.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('patchwarden')
    .description('Patch management and compliance for Linux fleets and open-source dependencies.')
    .version(VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerServerCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return process.exitCode === undefined ? EXIT.ok : Number(process.exitCode);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.ok;
      return EXIT.usage;
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`patchwarden: ${message}\n`);
    return err instanceof AppError ? exitCodeOf(err.code) : EXIT.error;
  }
}

const code = await main(process.argv);
if (code !== EXIT.ok || process.exitCode !== undefined) process.exitCode = code;
