import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { AppError } from '../domain/errors.js';
import type { CliContext } from './context.js';
import { UsageError } from './io.js';
import { readAllStdin } from './prompt.js';

/** The text of `--file PATH` (`-`: stdin); an unreadable file is a usage error naming it. */
export async function readTextFile(cli: CliContext, path: string): Promise<string> {
  try {
    return path === '-' ? await readAllStdin(cli.io) : readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`--file ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

/**
 * A YAML or JSON file (`-`: stdin) holding one mapping (a baseline, a window, a policy), without
 * the fields the server sets. `hint` follows the error for a file that holds something else.
 */
export async function readObjectFile(cli: CliContext, path: string, what: string, serverFields: readonly string[], hint = ''): Promise<Record<string, unknown>> {
  const text = await readTextFile(cli, path);
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (err) {
    throw new AppError('validation', `${path} is neither YAML nor JSON: ${(err as Error).message.split('\n')[0] ?? ''}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new AppError('validation', `${path} must hold one ${what}: a mapping of its fields${hint}`);
  return Object.fromEntries(Object.entries(parsed as Record<string, unknown>).filter(([k]) => !serverFields.includes(k)));
}
