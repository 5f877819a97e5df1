import type { BaselineChoice } from '../../domain/baselines/precedence.js';
import type { Baseline, OperatingSystem } from '../../domain/baselines/model.js';
import type { NodeRecord, Repositories } from '../../store/index.js';

/** A node's effective baseline and why, or why it has none (unsupported OS, a deleted override). */
export type EffectiveBaseline = { baseline: Baseline; choice: BaselineChoice; patchGroup: string | null } | { error: string };

/**
 * Resolves the effective baseline of each node (explicit override > patch policy > patch group >
 * account default > predefined), reading patch-group registrations and account defaults in bulk.
 * Owned by the baselines slice (issue 5).
 */
export async function resolveEffectiveBaselines(
  repos: Repositories,
  nodes: readonly NodeRecord[],
  override?: { baselineIds: Partial<Record<OperatingSystem, string>> },
): Promise<Map<string, EffectiveBaseline>> {
  void repos;
  void nodes;
  void override;
  throw new Error('resolveEffectiveBaselines: not implemented yet');
}
