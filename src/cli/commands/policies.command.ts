import type { Command } from 'commander';
import type { CliContext } from '../context.js';

/** `patchwarden policies` (issue 6). */
// eslint-disable-next-line @typescript-eslint/no-unused-vars
export function registerPoliciesCommand(program: Command, cli: CliContext): void {}
