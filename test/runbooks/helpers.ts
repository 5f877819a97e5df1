import type { TestApp } from '../helpers/app.js';

/** A small valid runbook named `name`. */
export function runbookYaml(name: string, seconds = 5): string {
  return `name: ${name}\ndescription: a test runbook\nsteps:\n  - name: pause\n    kind: wait\n    seconds: ${seconds}\n`;
}

/** Creates a runbook in the account through the API (as the org admin); its id. */
export async function runbookIn(t: TestApp, accountId: string, name = `rb-${Math.random().toString(36).slice(2, 10)}`): Promise<string> {
  const res = await t.as(t.adminToken, 'POST', `/api/v1/accounts/${accountId}/runbooks`, { content: runbookYaml(name) });
  if (res.statusCode !== 201) throw new Error(`runbook: ${res.statusCode} ${res.body}`);
  return String(res.json().id);
}

/**
 * A runbook of the account with `versions` versions, written through the store (fast): the
 * robustness test's valid-looking `?version=42` then names a version that exists.
 */
export async function runbookWithVersions(t: TestApp, accountId: string, versions: number): Promise<string> {
  const id = await runbookIn(t, accountId, `rb-versions-${Math.random().toString(36).slice(2, 10)}`);
  const first = (await t.db.store.runbooks.getVersion(id, 1))!;
  const at = new Date().toISOString();
  for (let v = 2; v <= versions; v++) {
    if (!(await t.db.store.runbooks.addVersion({ ...first, version: v, createdAt: at }, first.runbook.description, at))) throw new Error(`version ${v}`);
  }
  return id;
}
