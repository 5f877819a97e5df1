/**
 * The fix engine: findings of one scan in, applied and verified updates out. npm-ecosystem
 * findings (package-lock / shrinkwrap, yarn classic and Berry, pnpm) are grouped by lockfile and
 * package and fixed one group at a time by `npm-engine.ts` with the real package manager; PyPI
 * findings go to `applyPypiFixes` (`pypi.ts`).
 *
 * @example
 *   const report = await scanDirectory(dir, { advisories });
 *   const updates = await applyFixes(dir, report.findings, { advisories, onProgress: console.log });
 *   // [{ package: 'lodash', from: ['4.17.11'], to: '4.17.21', method: 'lockfile', status: 'fixed', files: ['package-lock.json'], ... }]
 */
import type { DepsFinding } from '../scan.js';
import { AdvisoryCache, fixNpmGroup, type EngineContext } from './npm-engine.js';
import { NpmRegistry } from './npm-registry.js';
import { applyPypiFixes } from './pypi.js';
import type { FixContext, PlannedUpdate } from './types.js';

export type { FixContext, FixMethod, PlannedUpdate } from './types.js';

/**
 * Applies fixes for the given findings (all from one scan of `root`) to the files under `root`,
 * running the real package manager, then re-scans the changed lockfiles: an update counts as
 * 'fixed' only when the re-scan shows none of its advisories still matching that package in
 * that lockfile and no new advisory introduced. Files of updates that did not verify are restored.
 * Groups run one after another (they share files); npm updates first, in the order their packages
 * first appear in `findings`, then the PyPI ones.
 */
export async function applyFixes(root: string, findings: readonly DepsFinding[], ctx: FixContext): Promise<PlannedUpdate[]> {
  const groups = new Map<string, { lockfile: string; name: string; findings: DepsFinding[] }>();
  for (const f of findings) {
    if (f.ecosystem !== 'npm') continue;
    const key = `${f.lockfile}\u0000${f.package}`;
    const group = groups.get(key);
    if (group) group.findings.push(f);
    else groups.set(key, { lockfile: f.lockfile, name: f.package, findings: [f] });
  }
  const updates: PlannedUpdate[] = [];
  if (groups.size > 0) {
    const explicit = ctx.registry ?? null;
    const engine: EngineContext = {
      registry: new NpmRegistry(explicit ?? ctx.env?.npm_config_registry ?? process.env.npm_config_registry, ctx.signal),
      advisories: new AdvisoryCache(ctx.advisories),
      run: { registry: explicit, env: ctx.env ?? {}, signal: ctx.signal, onProgress: ctx.onProgress },
      progress: (line) => ctx.onProgress?.(line),
    };
    for (const group of groups.values()) {
      ctx.signal?.throwIfAborted();
      updates.push(await fixNpmGroup(root, group, engine));
    }
  }
  const pypi = findings.filter((f) => f.ecosystem === 'PyPI');
  if (pypi.length > 0) updates.push(...(await applyPypiFixes(root, pypi, ctx)));
  return updates;
}
