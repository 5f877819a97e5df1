import { z } from 'zod';
import { FreeText, SearchTerm, Timestamp, listQuery, page } from './common.js';
import { defineEndpoint } from './endpoint.js';
import { SeverityName } from './compliance.contract.js';

/** An advisory's headline: what lists show. Advisories are public data: every signed-in user reads them. */
export const AdvisorySummary = z.object({
  /** The record's id (`DSA-5678-1`, `GHSA-…`, `CVE-…`, `RLSA-2024:1234`). */
  id: z.string(),
  summary: z.string().nullable(),
  modified: Timestamp,
  published: Timestamp.nullable(),
  withdrawn: Timestamp.nullable(),
  /** Where it was imported from (file, `zip!/entry`, URL). */
  source: z.string(),
  /** OSV ecosystems of its affected packages (`Debian:12`, `PyPI`). */
  ecosystems: z.array(z.string()),
  cves: z.array(z.string()),
  /** Non-CVE aliases. */
  aliases: z.array(z.string()),
  severity: z.object({ score: z.number().nullable(), rating: SeverityName }),
  importedAt: Timestamp,
});
export type AdvisorySummary = z.infer<typeof AdvisorySummary>;

export const AdvisoryAffected = z.object({
  ecosystem: z.string(),
  package: z.string(),
  /** Fixed versions, lowest first, as the record gives them. */
  fixed: z.array(z.string()),
  /** The record's affected ranges in words (`>= 0, < 1.2.3`; `introduced 1.0, fixed 1.2`). */
  ranges: z.array(z.string()),
  /** Explicitly listed affected versions (at most 50 shown). */
  versions: z.array(z.string()),
});

export const AdvisoryDetail = AdvisorySummary.extend({
  details: z.string().nullable(),
  affected: z.array(AdvisoryAffected),
  references: z.array(z.object({ type: z.string(), url: z.string() })),
  /** The whole OSV record as imported. */
  record: z.record(z.string(), z.unknown()),
});
export type AdvisoryDetail = z.infer<typeof AdvisoryDetail>;

export const listAdvisories = defineEndpoint({
  operationId: 'listAdvisories',
  method: 'GET',
  path: '/api/v1/advisories',
  tag: 'Advisories',
  summary: 'Search the imported advisories (OSV and distro feeds)',
  description: 'Filters: `ecosystem` (`Debian:12`, or a family `Debian`), `package`, `cve` (records with this CVE or alias), `q` (text in the id or summary).',
  auth: 'authenticated',
  access: 'any user (advisories are public data)',
  query: listQuery(['id', 'modified', 'published', 'severity'], '-modified').extend({
    ecosystem: FreeText(1, 128).optional(),
    package: FreeText(1, 256).optional(),
    cve: FreeText(1, 128).optional(),
    q: SearchTerm.optional(),
  }),
  response: page(AdvisorySummary),
});

export const getAdvisory = defineEndpoint({
  operationId: 'getAdvisory',
  method: 'GET',
  path: '/api/v1/advisories/{advisoryId}',
  tag: 'Advisories',
  summary: 'One advisory by id, or by an alias that only one record has',
  description: 'When several records share the alias (a CVE named by DSA, DLA and GHSA records), answers 404 naming how many and where to list them (`GET /api/v1/advisories?cve=…`).',
  auth: 'authenticated',
  access: 'any user (advisories are public data)',
  params: z.strictObject({ advisoryId: FreeText(1, 128).regex(/^[A-Za-z0-9_.:-]+$/, 'an advisory id or alias, e.g. DSA-5678-1 or CVE-2024-1234') }),
  response: AdvisoryDetail,
});

export const advisoriesEndpoints = { listAdvisories, getAdvisory } as const;
