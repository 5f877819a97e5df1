import { sql, type RawBuilder, type SelectQueryBuilder } from 'kysely';
import type { Database } from './schema.js';

export interface PageRequest {
  limit: number;
  offset: number;
  /** A field name from the route's list, `-field` for descending. */
  sort: string;
}

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

/**
 * Runs a filtered query as one page: counts the matches and fetches the window, ordered by the
 * requested field (mapped to a column) and then by `tiebreak` so pages are stable.
 */
export async function fetchPage<TB extends keyof Database, O, T>(
  query: SelectQueryBuilder<Database, TB, O>,
  request: PageRequest,
  sortColumns: Record<string, string>,
  tiebreak: string,
  map: (row: O) => T,
): Promise<Page<T>> {
  const desc = request.sort.startsWith('-');
  const field = desc ? request.sort.slice(1) : request.sort;
  const column = sortColumns[field];
  if (column === undefined) throw new Error(`No sort column for "${field}"`);
  const countRow = await query
    .clearSelect()
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst();
  const dir = desc ? 'desc' : 'asc';
  const rows = await query
    // Sort columns come from the fixed map above, never from the request.
    .orderBy(column as never, dir)
    .orderBy(tiebreak as never, dir)
    .limit(request.limit)
    .offset(request.offset)
    .execute();
  return {
    items: rows.map(map),
    total: Number((countRow as { n: number | string } | undefined)?.n ?? 0),
    limit: request.limit,
    offset: request.offset,
  };
}

function escapeLike(term: string): string {
  return term.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** `lower(column) LIKE '%term%'` with the term's wildcards escaped, the same on SQLite and PostgreSQL. */
export function containsIgnoreCase(column: string, term: string): RawBuilder<boolean> {
  return sql<boolean>`lower(${sql.ref(column)}) like ${`%${escapeLike(term.toLowerCase())}%`} escape '\\'`;
}

/** `column LIKE 'prefix%'` with the prefix's wildcards escaped. */
export function startsWith(column: string, prefix: string): RawBuilder<boolean> {
  return sql<boolean>`${sql.ref(column)} like ${`${escapeLike(prefix)}%`} escape '\\'`;
}
