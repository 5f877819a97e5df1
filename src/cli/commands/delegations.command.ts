import type { Command } from 'commander';
import type { CliContext } from '../context.js';

/** `patchwarden delegations` (issue 6). */
// eslint-disable-next-line @typescript-eslint/no-unused-vars
export function registerDelegationsCommand(program: Command, cli: CliContext): void {}
