import { z } from 'zod';
import { ERROR_CODES } from '../domain/errors.js';

/** The one error shape of the API. */
export const ErrorResponse = z.object({
  error: z.object({
    code: z.enum(ERROR_CODES),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ErrorResponse = z.infer<typeof ErrorResponse>;

/** An instant, ISO 8601 in UTC (`2026-11-27T12:00:00.000Z`). */
export const Timestamp = z.iso.datetime({ offset: true });

/** Ids are opaque strings such as `acct_0h3k…`; this bounds them to sane characters and length. */
export const Id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'ids contain only letters, digits, "_" and "-"');

/**
 * Free text that is stored or searched: a string without NUL characters (PostgreSQL cannot hold
 * them in text, so they are refused at the boundary, the same on SQLite).
 */
export function FreeText(min: number, max: number) {
  return z
    .string()
    .trim()
    .min(min)
    .max(max)
    .refine((s) => !s.includes('\u0000'), { message: 'text must not contain NUL characters (\\u0000)' });
}

/** A free-text search term on list routes. */
export const SearchTerm = FreeText(1, 200);

/**
 * The pagination and sorting part of a list route's query: `limit` (1–500, default 50), `offset`
 * (default 0) and `sort` (one of the route's fields, `-field` for descending).
 */
export function listQuery<const F extends readonly [string, ...string[]]>(sortFields: F, defaultSort: F[number] | `-${F[number]}`) {
  const values = sortFields.flatMap((f) => [f, `-${f}`]) as [string, ...string[]];
  return z.strictObject({
    limit: z.coerce.number().int().min(1).max(500).default(50),
    offset: z.coerce.number().int().min(0).max(1_000_000_000).default(0),
    sort: z.enum(values).default(defaultSort),
  });
}

/** A page of a list: the items, the total that matched, and the window asked for. */
export function page<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    total: z.number().int(),
    limit: z.number().int(),
    offset: z.number().int(),
  });
}

/** A boolean in a query string: `true`/`false`/`1`/`0`. */
export const QueryBoolean = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
