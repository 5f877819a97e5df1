import type { Command } from 'commander';
import type { CliContext } from '../context.js';

/** `patchwarden windows` (issue 6). */
// eslint-disable-next-line @typescript-eslint/no-unused-vars
export function registerWindowsCommand(program: Command, cli: CliContext): void {}
