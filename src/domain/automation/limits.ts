/** Limits of a runbook. */
export const RUNBOOK_LIMITS = {
  maxBytes: 256 * 1024,
  maxSteps: 100,
  maxParameters: 50,
  maxAliasCount: 100,
  maxScriptBytes: 64 * 1024,
  maxBranchChoices: 20,
  /** A step's timeout (approve steps: up to 30 days). */
  maxTimeoutSeconds: 7 * 24 * 3600,
  maxApproveTimeoutSeconds: 30 * 24 * 3600,
  maxWaitSeconds: 7 * 24 * 3600,
  maxRetries: 20,
  maxIntervalSeconds: 3600,
} as const;
