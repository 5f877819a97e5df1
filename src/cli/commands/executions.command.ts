import type { Command } from 'commander';
import type { CliContext } from '../context.js';

/** `patchwarden executions` (issue 6). */
// eslint-disable-next-line @typescript-eslint/no-unused-vars
export function registerExecutionsCommand(program: Command, cli: CliContext): void {}
