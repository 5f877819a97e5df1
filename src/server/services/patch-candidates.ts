import type { PatchCandidate } from '../../domain/baselines/approval.js';
import type { Repositories } from '../../store/index.js';

/**
 * The pending updates of nodes as baseline evaluation sees them: each node_updates row, with the
 * CVEs, advisory ids, severity and release date the advisory engine adds (advisories affecting the
 * installed version that the candidate fixes), and when the server first saw the candidate.
 * Owned by the compliance slice (issue 5). Reads in bulk (one query per chunk of nodes).
 */
export async function loadPatchCandidates(repos: Repositories, nodeIds: readonly string[]): Promise<Map<string, PatchCandidate[]>> {
  void repos;
  void nodeIds;
  throw new Error('loadPatchCandidates: not implemented yet');
}
