import type { Command } from 'commander';
import type { CliContext } from '../context.js';

/** `patchwarden runbooks` (issue 6). */
// eslint-disable-next-line @typescript-eslint/no-unused-vars
export function registerRunbooksCommand(program: Command, cli: CliContext): void {}
