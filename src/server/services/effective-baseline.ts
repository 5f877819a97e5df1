import { chooseBaseline, operatingSystemOf, patchGroupOf, type BaselineChoice, type BaselineSource, type PrecedenceInput } from '../../domain/baselines/precedence.js';
import type { Baseline, OperatingSystem } from '../../domain/baselines/model.js';
import { PREDEFINED_BASELINES, predefinedBaselineIds } from '../../domain/baselines/predefined.js';
import { matchesTagFilters } from '../../domain/targets.js';
import type { NodeRecord, PolicyRecord, Repositories } from '../../store/index.js';

/** A node's effective baseline and why, or why it has none (unsupported OS, a deleted override). */
export type EffectiveBaseline = { baseline: Baseline; choice: BaselineChoice; patchGroup: string | null } | { error: string };

/** The predefined baseline with this id, if it is one. */
export function predefinedBaseline(id: string): Baseline | undefined {
  return PREDEFINED_BASELINES.find((b) => b.id === id);
}

type IdsByOs = Partial<Record<OperatingSystem, string>>;

/** True when a patch policy's targets include the node (its account in scope and its tags matching). */
export function policyCovers(policy: Pick<PolicyRecord, 'targets'>, node: { accountId: string; tags: Readonly<Record<string, string>> }): boolean {
  const accounts = policy.targets.accounts;
  if (accounts !== 'all' && !accounts.includes(node.accountId)) return false;
  return policy.targets.tags === undefined || matchesTagFilters(node.tags, policy.targets.tags);
}

/** The policy governing a node: of the enabled policies given, the one with the lowest priority that covers it. */
export function governingPolicy<P extends Pick<PolicyRecord, 'targets' | 'priority'>>(policies: readonly P[], node: { accountId: string; tags: Readonly<Record<string, string>> }): P | undefined {
  let best: P | undefined;
  for (const p of policies) if (policyCovers(p, node) && (best === undefined || p.priority < best.priority)) best = p;
  return best;
}

/**
 * The facts the precedence of each node is decided on, read in bulk: one query for the account
 * defaults of every account involved, one for the registrations of every (account, patch group)
 * pair (each chunked by 500).
 */
export async function precedenceInputs(
  repos: Repositories,
  nodes: readonly NodeRecord[],
  override?: { baselineIds: IdsByOs },
): Promise<Map<string, PrecedenceInput>> {
  const accountIds = [...new Set(nodes.map((n) => n.accountId))];
  const defaults = new Map<string, IdsByOs>();
  for (const r of await repos.baselines.defaultsOf(accountIds)) {
    const ids = defaults.get(r.accountId) ?? {};
    ids[r.operatingSystem] = r.baselineId;
    defaults.set(r.accountId, ids);
  }
  const groupKey = (accountId: string, group: string) => `${accountId}\u0000${group}`;
  const pairs = nodes.flatMap((n) => {
    const group = patchGroupOf(n.tags);
    return group === null ? [] : [{ accountId: n.accountId, patchGroup: group }];
  });
  const groups = new Map<string, IdsByOs>();
  if (pairs.length > 0) {
    for (const r of await repos.baselines.registrationsFor(pairs)) {
      const ids = groups.get(groupKey(r.accountId, r.patchGroup)) ?? {};
      ids[r.operatingSystem] = r.baselineId;
      groups.set(groupKey(r.accountId, r.patchGroup), ids);
    }
  }
  const predefinedIds = predefinedBaselineIds();
  // Patch policies (issue 6): the enabled policy with the lowest priority covering the node.
  const policies = nodes.length === 0 ? [] : await repos.policies.listEnabled();
  const out = new Map<string, PrecedenceInput>();
  for (const node of nodes) {
    const patchGroup = patchGroupOf(node.tags);
    const policy = governingPolicy(policies, node);
    out.set(node.id, {
      os: operatingSystemOf(node.platform),
      override,
      policy: policy === undefined ? undefined : { id: policy.id, name: policy.name, baselineIds: policy.baselines },
      patchGroup,
      patchGroupBaselineIds: patchGroup === null ? {} : (groups.get(groupKey(node.accountId, patchGroup)) ?? {}),
      accountDefaultIds: defaults.get(node.accountId) ?? {},
      predefinedIds,
    });
  }
  return out;
}

/**
 * Resolves the effective baseline of each node (explicit override > patch policy > patch group >
 * account default > predefined), reading patch-group registrations, account defaults and the
 * chosen baselines in bulk (one query each, per chunk of 500). A chosen baseline that no longer
 * exists, or an override naming another account's baseline, gives an error result for the node.
 */
export async function resolveEffectiveBaselines(
  repos: Repositories,
  nodes: readonly NodeRecord[],
  override?: { baselineIds: Partial<Record<OperatingSystem, string>> },
): Promise<Map<string, EffectiveBaseline>> {
  return resolveFromInputs(repos, nodes, await precedenceInputs(repos, nodes, override));
}

/** resolveEffectiveBaselines over precedence facts already read (see precedenceInputs). */
export async function resolveFromInputs(repos: Repositories, nodes: readonly NodeRecord[], inputs: ReadonlyMap<string, PrecedenceInput>): Promise<Map<string, EffectiveBaseline>> {
  const choices = new Map<string, BaselineChoice | { error: string }>();
  for (const node of nodes) choices.set(node.id, chooseBaseline(inputs.get(node.id)!));
  const storedIds = [...choices.values()].flatMap((c) => ('error' in c || predefinedBaseline(c.baselineId) !== undefined ? [] : [c.baselineId]));
  const stored = storedIds.length === 0 ? new Map<string, Baseline>() : await repos.baselines.getMany(storedIds);
  const out = new Map<string, EffectiveBaseline>();
  for (const node of nodes) {
    const choice = choices.get(node.id)!;
    const patchGroup = inputs.get(node.id)!.patchGroup;
    if ('error' in choice) {
      out.set(node.id, { error: choice.error });
      continue;
    }
    const baseline = predefinedBaseline(choice.baselineId) ?? stored.get(choice.baselineId);
    if (baseline === undefined) {
      out.set(node.id, { error: `baseline ${choice.baselineId} chosen by ${sourceWords(choice.source)} does not exist (any more)` });
    } else if (baseline.accountId !== null && baseline.accountId !== node.accountId && choice.source !== 'policy') {
      // (A patch policy is the organization's, written by org-admins: its baselines apply across accounts.)
      out.set(node.id, { error: `baseline ${choice.baselineId} chosen by ${sourceWords(choice.source)} belongs to another account` });
    } else {
      out.set(node.id, { baseline, choice, patchGroup });
    }
  }
  return out;
}

function sourceWords(source: BaselineSource): string {
  switch (source) {
    case 'override':
      return "the operation's override";
    case 'policy':
      return 'the patch policy';
    case 'patchGroup':
      return 'the patch group';
    case 'accountDefault':
      return "the account's default";
    case 'predefined':
      return 'the predefined default';
  }
}

export interface ChainLevel {
  level: BaselineSource;
  status: 'applies' | 'shadowed' | 'skipped';
  baselineId: string | null;
  reason: string;
}

/**
 * Every level of the precedence for one node, highest first: the one that applies, levels with a
 * baseline that a higher level shadows, and levels skipped with the reason.
 */
export function precedenceChain(input: PrecedenceInput, applied: BaselineSource | null): ChainLevel[] {
  const os = input.os;
  const level = (name: BaselineSource, id: string | undefined, present: string, absent: string): ChainLevel => {
    if (os === null) return { level: name, status: 'skipped', baselineId: null, reason: "the node's operating system is not supported by patch baselines" };
    if (id === undefined) return { level: name, status: 'skipped', baselineId: null, reason: absent };
    return { level: name, status: applied === name ? 'applies' : 'shadowed', baselineId: id, reason: applied === name ? present : `${present}, but a higher level applies` };
  };
  const osName = os ?? 'this OS';
  return [
    level(
      'override',
      os === null ? undefined : input.override?.baselineIds[os],
      `the operation's override gives it for ${osName}`,
      input.override === undefined ? 'no explicit override (only a Scan or Install that names a baseline gives one)' : `the operation's override has no baseline for ${osName}`,
    ),
    level(
      'policy',
      os === null ? undefined : input.policy?.baselineIds[os],
      `patch policy "${input.policy?.name ?? ''}" gives it for ${osName}`,
      input.policy === undefined ? 'no patch policy covers the node' : `patch policy "${input.policy.name}" has no baseline for ${osName}`,
    ),
    level(
      'patchGroup',
      os === null ? undefined : input.patchGroupBaselineIds[os],
      `patch group "${input.patchGroup ?? ''}" (the node's PatchGroup tag) registers it for ${osName}`,
      input.patchGroup === null ? 'the node has no PatchGroup (or "Patch Group") tag' : `patch group "${input.patchGroup}" has no baseline registered for ${osName}`,
    ),
    level('accountDefault', os === null ? undefined : input.accountDefaultIds[os], `the account registered it as its default for ${osName}`, `the account registered no default for ${osName}`),
    level('predefined', os === null ? undefined : input.predefinedIds[os], `the predefined baseline for ${osName}`, `no predefined baseline for ${osName}`),
  ];
}
