import type { TestApp } from '../helpers/app.js';

/** The rules of a small valid Debian baseline: every priority, immediately, HIGH. */
export const DEBIAN_RULES = {
  operatingSystem: 'DEBIAN',
  approvalRules: [{ filters: [{ key: 'PRIORITY', values: ['*'] }], complianceLevel: 'HIGH', approveAfterDays: 0 }],
} as const;

/** Creates a Debian baseline in the account through the API (as the bootstrap admin); returns its id. */
export async function baselineIn(t: TestApp, accountId: string, name = `bl-${Math.random().toString(36).slice(2, 10)}`): Promise<string> {
  const res = await t.as(t.adminToken, 'POST', `/api/v1/accounts/${accountId}/baselines`, { name, ...DEBIAN_RULES });
  if (res.statusCode !== 201) throw new Error(`baseline: ${res.statusCode} ${res.body}`);
  return String(res.json().id);
}
