import { InvalidArgumentError, Option, type Command } from 'commander';
import { z } from 'zod';
import type { AnyEndpoint } from '../contracts/api.js';

/** The options every list command has. */
export interface ListOptions {
  limit?: number;
  offset?: number;
  sort?: string;
  json?: boolean;
}

/** A commander parser for an integer option within bounds (a bad value is a usage error, exit 2). */
export function intArg(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`);
    }
    return n;
  };
}

/** A commander collector for a repeatable option. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Adds `--json` (print the API's JSON instead of a table). */
export function withJson(cmd: Command): Command {
  return cmd.option('--json', "print the API's JSON response instead of a table");
}

/** The values `--sort` accepts on a list endpoint and its default, read from the contract's query schema. */
export function sortFieldsOf(endpoint: AnyEndpoint): { values: string[]; fallback: string | undefined } {
  const query = endpoint.query;
  const sort = query instanceof z.ZodObject ? (query.shape as Record<string, z.ZodType>).sort : undefined;
  if (sort instanceof z.ZodDefault) {
    const inner = sort.unwrap();
    const fallback = sort.def.defaultValue;
    if (inner instanceof z.ZodEnum) return { values: inner.options.map(String), fallback: typeof fallback === 'string' ? fallback : undefined };
  }
  return { values: [], fallback: undefined };
}

/** Adds --limit, --offset, --sort (choices from the endpoint's contract) and --json. */
export function withListOptions(cmd: Command, endpoint: AnyEndpoint): Command {
  const { values, fallback } = sortFieldsOf(endpoint);
  const sort = new Option('--sort <field>', `sort by a field; "-field" sorts descending${fallback === undefined ? '' : ` (default: ${fallback})`}`);
  if (values.length > 0) sort.choices(values);
  return withJson(
    cmd
      .option('--limit <n>', 'how many to show, 1-500 (default: 50)', intArg(1, 500))
      .option('--offset <n>', 'how many to skip, for the next page (default: 0)', intArg(0, 1_000_000_000))
      .addOption(sort),
  );
}

/** The paging part of a list query, from the parsed options (unset ones left to the server). */
export function pageQuery(opts: ListOptions): { limit?: number; offset?: number; sort?: string } {
  return {
    ...(opts.limit === undefined ? {} : { limit: opts.limit }),
    ...(opts.offset === undefined ? {} : { offset: opts.offset }),
    ...(opts.sort === undefined ? {} : { sort: opts.sort }),
  };
}

/** An object without its undefined values (for queries and bodies under exactOptionalPropertyTypes). */
export function defined<T extends Record<string, unknown>>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}
