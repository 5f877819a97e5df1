/**
 * The OSV record format (OSV schema 1.7, ossf/osv-schema docs/schema.md) as zod schemas.
 *
 * Forward compatible: every object keeps fields it does not know (loose objects), severity and
 * range types outside the 1.7 lists are kept as strings (the evaluation skips them with a warning),
 * and `null` in an optional field reads as absent (RustSec writes `"schema_version": null`).
 * Structurally broken records are refused with a precise reason: an event with two keys, a missing
 * `id` or `modified`, `affected` that is not an array, a GIT range without `repo`, ...
 */
import { z } from 'zod';

/** An optional field that also accepts JSON `null` (read as absent). */
function optional<T extends z.ZodType>(schema: T) {
  return schema
    .nullish()
    .transform((value) => value ?? undefined)
    .optional();
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

const Timestamp = z.string().regex(RFC3339, 'must be an RFC 3339 timestamp such as "2024-01-31T12:00:00Z"');

/** Free-form objects (`ecosystem_specific`, `database_specific`). */
const FreeForm = z.record(z.string(), z.unknown());

const StringList = z.array(z.string());

/** Severity types of OSV 1.7. Others (from later schema versions) are kept and ignored. */
export const SEVERITY_TYPES = ['CVSS_V2', 'CVSS_V3', 'CVSS_V4', 'Ubuntu'] as const;
export type OsvSeverityType = (typeof SEVERITY_TYPES)[number];

export const OsvSeverity = z.looseObject({
  type: z.string().min(1, 'a severity needs a type such as "CVSS_V3"'),
  /** A CVSS vector string (not a number), or the Ubuntu priority word. May be empty in real data. */
  score: z.string(),
});
export type OsvSeverity = z.infer<typeof OsvSeverity>;

/** Range types of OSV 1.7. Others are kept and skipped by the evaluation with a warning. */
export const RANGE_TYPES = ['SEMVER', 'ECOSYSTEM', 'GIT'] as const;
export type OsvRangeType = (typeof RANGE_TYPES)[number];

export const EVENT_KEYS = ['introduced', 'fixed', 'last_affected', 'limit'] as const;
export type OsvEventKey = (typeof EVENT_KEYS)[number];

/** One event: exactly one of `introduced`, `fixed`, `last_affected`, `limit`. */
export const OsvEvent = z
  .looseObject({
    introduced: z.string().optional(),
    fixed: z.string().optional(),
    last_affected: z.string().optional(),
    limit: z.string().optional(),
  })
  .superRefine((event, ctx) => {
    const keys = EVENT_KEYS.filter((key) => event[key] !== undefined);
    if (keys.length === 1) return;
    ctx.addIssue({
      code: 'custom',
      message:
        keys.length === 0
          ? 'an event needs exactly one of introduced, fixed, last_affected, limit; it has none'
          : `an event has exactly one key; it has ${keys.join(' and ')} (split them into separate events)`,
    });
  });
export type OsvEvent = z.infer<typeof OsvEvent>;

export const OsvRange = z
  .looseObject({
    type: z.string().min(1, 'a range needs a type: SEMVER, ECOSYSTEM or GIT'),
    repo: optional(z.string()),
    events: z.array(OsvEvent).min(1, 'a range needs at least one event'),
    database_specific: optional(FreeForm),
  })
  .superRefine((range, ctx) => {
    if (range.type === 'GIT' && !range.repo) {
      ctx.addIssue({ code: 'custom', path: ['repo'], message: 'a GIT range needs the repository URL in "repo"' });
    }
  });
export type OsvRange = z.infer<typeof OsvRange>;

export const OsvPackage = z.looseObject({
  ecosystem: z.string().min(1, 'a package needs an ecosystem such as "npm" or "Debian:12"'),
  name: z.string().min(1, 'a package needs a name'),
  /** Kept as given: real feeds publish malformed purls (e.g. two "?"), which must not sink the record. */
  purl: optional(z.string()),
});
export type OsvPackage = z.infer<typeof OsvPackage>;

export const OsvAffected = z.looseObject({
  package: optional(OsvPackage),
  severity: optional(z.array(OsvSeverity)),
  ranges: optional(z.array(OsvRange)),
  versions: optional(StringList),
  ecosystem_specific: optional(FreeForm),
  database_specific: optional(FreeForm),
});
export type OsvAffected = z.infer<typeof OsvAffected>;

export const OsvReference = z.looseObject({ type: z.string(), url: z.string() });
export const OsvCredit = z.looseObject({
  name: z.string(),
  contact: optional(StringList),
  type: optional(z.string()),
});

/** One OSV record. Only `id` and `modified` are required, as in the OSV JSON Schema. */
export const OsvRecord = z.looseObject({
  schema_version: optional(z.string()),
  id: z.string({ error: 'a record needs an "id" string such as "GHSA-xxxx-xxxx-xxxx"' }).min(1, 'the id is empty'),
  modified: z.string({ error: 'a record needs "modified" (RFC 3339 timestamp)' }).regex(RFC3339, 'must be an RFC 3339 timestamp such as "2024-01-31T12:00:00Z"'),
  published: optional(Timestamp),
  withdrawn: optional(Timestamp),
  aliases: optional(StringList),
  related: optional(StringList),
  upstream: optional(StringList),
  summary: optional(z.string()),
  details: optional(z.string()),
  severity: optional(z.array(OsvSeverity)),
  affected: optional(z.array(OsvAffected)),
  references: optional(z.array(OsvReference)),
  credits: optional(z.array(OsvCredit)),
  database_specific: optional(FreeForm),
});
export type OsvRecord = z.infer<typeof OsvRecord>;

export type ParseOsvResult = { ok: true; record: OsvRecord } | { ok: false; reason: string };

/**
 * Validates one parsed JSON value as an OSV record. Never throws: a broken record gives
 * `{ ok: false, reason }`, where the reason names the path and what is wrong (up to three problems).
 *
 * @example
 *   parseOsvRecord({ id: 'GHSA-1', modified: '2024-01-01T00:00:00Z' }) // { ok: true, record: {...} }
 *   parseOsvRecord({ id: 'X', modified: '2024-01-01T00:00:00Z',
 *     affected: [{ ranges: [{ type: 'SEMVER', events: [{ introduced: '0', fixed: '1.0.0' }] }] }] })
 *   // { ok: false, reason: 'affected[0].ranges[0].events[0]: an event has exactly one key; it has introduced and fixed (...)' }
 */
export function parseOsvRecord(json: unknown): ParseOsvResult {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { ok: false, reason: `an OSV record is a JSON object, not ${json === null ? 'null' : Array.isArray(json) ? 'an array' : typeof json}` };
  }
  const parsed = OsvRecord.safeParse(json);
  if (parsed.success) return { ok: true, record: parsed.data };
  const problems = parsed.error.issues.slice(0, 3).map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
  const more = parsed.error.issues.length > 3 ? ` (and ${parsed.error.issues.length - 3} more)` : '';
  const id = (json as { id?: unknown }).id;
  const prefix = typeof id === 'string' && id !== '' ? `${id}: ` : '';
  return { ok: false, reason: `${prefix}${problems.join('; ')}${more}` };
}

/** `['affected', 0, 'ranges', 1]` → `affected[0].ranges[1]`; the empty path is `(record)`. */
function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(record)';
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}
