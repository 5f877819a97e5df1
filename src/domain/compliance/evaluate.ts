import type { NodeComplianceResult, NodeEvaluationInput } from './model.js';

/**
 * Derives a node's per-patch states and compliance from its current inventory, its baseline and
 * the memory of earlier evaluations (see src/domain/compliance/README.md for the rules).
 */
export function evaluateNode(input: NodeEvaluationInput): NodeComplianceResult {
  void input;
  throw new Error('evaluateNode: not implemented yet');
}
