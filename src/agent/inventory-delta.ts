import type { InventoryDelta } from '../contracts/agent.contract.js';
import type { Inventory } from '../contracts/inventory.contract.js';

type Keyed = { name: string; arch: string };
const key = (p: Keyed) => `${p.name}\u0000${p.arch}`;
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function diff<T extends Keyed>(before: readonly T[], after: readonly T[]): { upsert: T[]; remove: Keyed[] } {
  const old = new Map(before.map((p) => [key(p), p]));
  const now = new Map(after.map((p) => [key(p), p]));
  const upsert = after.filter((p) => !same(old.get(key(p)), p));
  const remove = before.filter((p) => !now.has(key(p))).map((p) => ({ name: p.name, arch: p.arch }));
  return { upsert, remove };
}

/**
 * What changed from `base` (the inventory the server holds at `baseRevision`) to `next`, as the
 * PATCH body; null when nothing changed (the collection time aside).
 */
export function inventoryDelta(base: Inventory, next: Inventory, baseRevision: number): InventoryDelta | null {
  const packages = diff(base.packages, next.packages);
  const updates = diff(base.updates, next.updates);
  const delta: InventoryDelta = { baseRevision, collectedAt: next.collectedAt };
  let changed = false;
  if (packages.upsert.length > 0 || packages.remove.length > 0) {
    delta.packages = packages;
    changed = true;
  }
  if (updates.upsert.length > 0 || updates.remove.length > 0) {
    delta.updates = updates;
    changed = true;
  }
  if (!same(base.platform, next.platform)) {
    delta.platform = next.platform;
    changed = true;
  }
  if (!same(base.host, next.host)) {
    delta.host = next.host;
    changed = true;
  }
  if (!same(base.reboot, next.reboot)) {
    delta.reboot = next.reboot;
    changed = true;
  }
  return changed ? delta : null;
}
