import { AdvisoryIndex, type Finding } from '../../advisories/matcher.js';
import { canonicalSeverity, type PatchCandidate } from '../../domain/baselines/approval.js';
import type { NodeRecord, Repositories, UpdateForEvaluation } from '../../store/index.js';

const SEVERITY_RANK: Record<string, number> = { unknown: 0, none: 1, low: 2, medium: 3, high: 4, critical: 5 };

/** Advisory indexes per instance ecosystem, rebuilt when the stored advisories change (import, sync). */
const indexCache = new Map<string, { stamp: string; index: AdvisoryIndex | null }>();
/** Ecosystems kept at most (a bound for a server whose fleet runs many releases). */
const MAX_CACHED = 32;

/** Drops the cached advisory indexes (the next evaluation reloads them from the store). */
export function clearAdvisoryIndexCache(): void {
  indexCache.clear();
}

async function indexFor(repos: Repositories, ecosystem: string, stamp: string): Promise<AdvisoryIndex | null> {
  const cached = indexCache.get(ecosystem);
  if (cached !== undefined && cached.stamp === stamp) return cached.index;
  let index: AdvisoryIndex | null = new AdvisoryIndex();
  try {
    for await (const batch of repos.advisories.loadRecords({ ecosystems: [ecosystem] })) for (const record of batch) index.add(record);
    // An ecosystem the matcher cannot evaluate (no version scheme): no enrichment, never an error.
    index.match({ ecosystem, name: 'patchwarden-probe', version: '0' });
  } catch {
    index = null;
  }
  if (indexCache.size >= MAX_CACHED && !indexCache.has(ecosystem)) indexCache.clear();
  indexCache.set(ecosystem, { stamp, index });
  return index;
}

function safeMatch(index: AdvisoryIndex, instance: Parameters<AdvisoryIndex['match']>[0]): readonly Finding[] {
  try {
    return index.match(instance);
  } catch {
    return [];
  }
}

function candidateOf(u: UpdateForEvaluation, firstSeenAt: string | null): PatchCandidate {
  return {
    name: u.name,
    arch: u.arch,
    installedVersion: u.installedVersion,
    candidateVersion: u.candidateVersion,
    security: u.security,
    classification: u.classification,
    severity: canonicalSeverity(u.severity),
    section: u.section,
    priority: u.priority,
    releaseDate: u.releaseDate,
    firstSeenAt,
    // The update's own arrays (fresh per read; enrich replaces them rather than changing them).
    advisoryIds: u.advisoryIds,
    cves: u.cves,
  };
}

/** Adds what the advisories the update fixes say: ids, CVEs, severity (raised, never lowered), security, release date. */
function enrich(c: PatchCandidate, fixed: readonly Finding[], index: AdvisoryIndex): void {
  if (fixed.length === 0) return;
  const cves = new Set(c.cves);
  const ids = new Set(c.advisoryIds);
  let published: string | null = null;
  for (const f of fixed) {
    ids.add(f.advisoryId);
    for (const a of f.aliases) ids.add(a);
    for (const cve of f.cves) cves.add(cve);
    if ((SEVERITY_RANK[f.severity.rating] ?? 0) > (SEVERITY_RANK[c.severity] ?? 0)) c.severity = f.severity.rating;
    const p = index.get(f.advisoryId)?.published;
    if (p !== undefined && !Number.isNaN(Date.parse(p))) {
      const iso = new Date(Date.parse(p)).toISOString();
      if (published === null || iso < published) published = iso;
    }
  }
  c.cves = [...cves].sort();
  c.advisoryIds = [...ids].sort();
  c.security = true;
  if (c.classification === 'other' || c.classification === '') c.classification = 'security';
  if (c.releaseDate === null) c.releaseDate = published;
}

/**
 * The pending updates of nodes as baseline evaluation sees them: each node_updates row, with the
 * CVEs, advisory ids, severity and release date the advisory engine adds (advisories affecting the
 * installed version that the candidate fixes), and when the server first saw the candidate.
 * Owned by the compliance slice (issue 5). Reads in bulk (one query per chunk of nodes).
 *
 * `options.nodes` saves reading the nodes again when the caller has them; `options.now` is the
 * first-seen time recorded for candidates never seen before.
 */
export async function loadPatchCandidates(
  repos: Repositories,
  nodeIds: readonly string[],
  options: { nodes?: readonly NodeRecord[]; now?: Date } = {},
): Promise<Map<string, PatchCandidate[]>> {
  const out = new Map<string, PatchCandidate[]>();
  if (nodeIds.length === 0) return out;
  const now = (options.now ?? new Date()).toISOString();
  const nodes = options.nodes ?? (await repos.nodes.getMany(nodeIds));
  const nodeById = new Map(nodes.map((n) => [n.id, n]));
  const updates = await repos.compliance.updatesForEvaluation(nodeIds);
  // Candidate versions never seen before are first seen now (recorded in SQL, without a round trip of the rows).
  const unseen = [...updates].filter(([, list]) => list.some((u) => u.firstSeenAt === null)).map(([nodeId]) => nodeId);
  if (unseen.length > 0) await repos.compliance.recordFirstSeenOf(unseen, now);
  const stamp = await repos.compliance.advisoryStamp();
  const hasAdvisories = !stamp.startsWith('0|');
  const indexes = new Map<string, AdvisoryIndex | null>();
  for (const nodeId of nodeIds) {
    const list = updates.get(nodeId) ?? [];
    const ecosystem = nodeById.get(nodeId)?.platform.ecosystem ?? '';
    let index = indexes.get(ecosystem);
    if (index === undefined) {
      index = hasAdvisories && ecosystem !== '' ? await indexFor(repos, ecosystem, stamp) : null;
      indexes.set(ecosystem, index);
    }
    const candidates = list.map((u) => {
      const c = candidateOf(u, u.firstSeenAt ?? now);
      if (index === null) return c;
      const viaSource = u.sourceName !== '';
      const before = safeMatch(index, {
        ecosystem,
        name: u.name,
        version: u.installedVersion,
        ...(viaSource ? { sourceName: u.sourceName, sourceVersion: u.sourceVersion === '' ? u.installedVersion : u.sourceVersion } : {}),
      });
      if (before.length === 0) return c;
      // The candidate's source version is not reported; a binary version equals it but for binNMUs (`+bN`).
      const candidateSource = u.candidateVersion.replace(/\+b\d+$/, '');
      const after = safeMatch(index, {
        ecosystem,
        name: u.name,
        version: u.candidateVersion,
        ...(viaSource ? { sourceName: u.sourceName, sourceVersion: candidateSource } : {}),
      });
      const still = new Set(after.map((f) => f.advisoryId));
      enrich(
        c,
        before.filter((f) => !still.has(f.advisoryId)),
        index,
      );
      return c;
    });
    out.set(nodeId, candidates);
  }
  return out;
}
