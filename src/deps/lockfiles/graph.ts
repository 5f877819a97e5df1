/**
 * The dependency graph every parser builds, and the one function that turns it into locked
 * packages: direct vs transitive, dev vs runtime, optional, peer, and a few shortest paths. Pure.
 *
 * A node is one locked copy of a package; an edge is "needs"; a root is a dependency a manifest
 * names (per importer: the root project or a workspace). Reachability decides dev/optional where
 * the lockfile does not record it: a package reachable from a runtime root is runtime, one
 * reachable only from dev roots is dev, one reachable only through optional edges is optional.
 */
import type { DepsEcosystem, LockedPackage } from './types.js';

export type DependencyType = 'prod' | 'dev' | 'optional' | 'peer';

export interface GraphNode {
  readonly name: string;
  readonly version: string;
  readonly line: number | null;
  /** What the lockfile itself records (npm `dev`/`optional`, pnpm v5/v6 `dev`, poetry groups). */
  readonly dev?: boolean | undefined;
  readonly optional?: boolean | undefined;
  readonly markers?: string | undefined;
  /** The file that pins it when not the lockfile itself (a requirements file's `-r` include). */
  readonly lockfile?: string | undefined;
}

export interface GraphRoot {
  /** `.` for the root project, else the workspace folder relative to the lockfile. */
  readonly importer: string;
  readonly type: DependencyType;
  readonly node: string;
}

export interface DependencyGraph {
  readonly ecosystem: DepsEcosystem;
  readonly lockfile: string;
  readonly nodes: ReadonlyMap<string, GraphNode>;
  /** Node id -> the ids it needs, with how (an optional or peer edge). */
  readonly edges: ReadonlyMap<string, readonly { readonly node: string; readonly type: DependencyType }[]>;
  readonly roots: readonly GraphRoot[];
}

/** Paths kept per package. */
export const MAX_PATHS = 3;

/** A small mutable builder for parsers. */
export class GraphBuilder {
  readonly nodes = new Map<string, GraphNode>();
  readonly edges = new Map<string, { node: string; type: DependencyType }[]>();
  readonly roots: GraphRoot[] = [];

  constructor(
    readonly ecosystem: DepsEcosystem,
    readonly lockfile: string,
  ) {}

  node(id: string, node: GraphNode): void {
    if (!this.nodes.has(id)) this.nodes.set(id, node);
  }

  edge(from: string, to: string, type: DependencyType = 'prod'): void {
    const list = this.edges.get(from);
    if (list) {
      if (!list.some((e) => e.node === to)) list.push({ node: to, type });
    } else this.edges.set(from, [{ node: to, type }]);
  }

  root(importer: string, node: string, type: DependencyType): void {
    if (!this.roots.some((r) => r.importer === importer && r.node === node)) this.roots.push({ importer, node, type });
  }

  /** Without a manifest: every node no other node needs becomes a root of the root project (dev when the lockfile says so). */
  rootUnneeded(): void {
    const needed = new Set<string>();
    for (const list of this.edges.values()) for (const edge of list) needed.add(edge.node);
    for (const [id, node] of this.nodes) if (!needed.has(id)) this.root('.', id, node.dev === true ? 'dev' : 'prod');
  }

  build(): DependencyGraph {
    return { ecosystem: this.ecosystem, lockfile: this.lockfile, nodes: this.nodes, edges: this.edges, roots: this.roots };
  }
}

interface Reach {
  runtime: boolean;
  dev: boolean;
  /** Reached through a non-optional chain (from a non-optional root). */
  required: boolean;
  /** Reached without peer edges (from a non-peer root). */
  nonPeer: boolean;
}

/** Marks what is reachable from the given roots (breadth-first), following edges of `follow`. */
function walk(graph: DependencyGraph, starts: readonly string[], mark: (reach: Reach) => void, reach: Map<string, Reach>, follow: (type: DependencyType) => boolean): void {
  const seen = new Set<string>();
  const queue = [...starts];
  for (const id of queue) seen.add(id);
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i]!;
    let r = reach.get(id);
    if (!r) reach.set(id, (r = { runtime: false, dev: false, required: false, nonPeer: false }));
    mark(r);
    for (const edge of graph.edges.get(id) ?? []) {
      if (!follow(edge.type) || seen.has(edge.node) || !graph.nodes.has(edge.node)) continue;
      seen.add(edge.node);
      queue.push(edge.node);
    }
  }
}

/** Up to MAX_PATHS shortest paths (node ids) from any root to every reachable node. */
function shortestPaths(graph: DependencyGraph): Map<string, string[][]> {
  const paths = new Map<string, string[][]>();
  const depth = new Map<string, number>();
  let layer: string[] = [];
  for (const root of graph.roots) {
    if (!graph.nodes.has(root.node)) continue;
    const prefix = root.importer === '.' ? [] : [`workspace:${root.importer}`];
    const list = paths.get(root.node) ?? [];
    if (!depth.has(root.node)) {
      depth.set(root.node, 0);
      paths.set(root.node, list);
      layer.push(root.node);
    }
    if (list.length < MAX_PATHS) list.push([...prefix, root.node]);
  }
  for (let d = 1; layer.length > 0; d++) {
    const next: string[] = [];
    for (const id of layer) {
      const from = paths.get(id)!;
      for (const edge of graph.edges.get(id) ?? []) {
        if (!graph.nodes.has(edge.node)) continue;
        const known = depth.get(edge.node);
        if (known !== undefined && known < d) continue;
        let list = paths.get(edge.node);
        if (known === undefined) {
          depth.set(edge.node, d);
          paths.set(edge.node, (list = []));
          next.push(edge.node);
        }
        for (const path of from) {
          if (list!.length >= MAX_PATHS) break;
          list!.push([...path, edge.node]);
        }
      }
    }
    layer = next;
  }
  return paths;
}

/**
 * The locked packages of a graph, one per (name, version): direct when a root names it, dev when
 * the lockfile says so or only dev roots reach it, paths as `name@version`, sorted by name then
 * version. Nodes no root reaches (a lockfile without its manifest) count as direct runtime.
 */
export function packagesOf(graph: DependencyGraph): LockedPackage[] {
  const reach = new Map<string, Reach>();
  const rootsOf = (types: readonly DependencyType[]): string[] => graph.roots.filter((r) => types.includes(r.type)).map((r) => r.node);
  walk(graph, rootsOf(['prod', 'optional', 'peer']), (r) => (r.runtime = true), reach, () => true);
  walk(graph, rootsOf(['dev']), (r) => (r.dev = true), reach, () => true);
  walk(graph, rootsOf(['prod', 'dev', 'peer']), (r) => (r.required = true), reach, (type) => type !== 'optional');
  walk(graph, rootsOf(['prod', 'dev', 'optional']), (r) => (r.nonPeer = true), reach, (type) => type !== 'peer');
  const paths = shortestPaths(graph);
  const label = (id: string): string => {
    const node = graph.nodes.get(id);
    return node ? `${node.name}@${node.version}` : id;
  };
  const directIds = new Set(graph.roots.map((r) => r.node));
  const merged = new Map<string, { pkg: LockedPackage; paths: string[][] }>();
  for (const [id, node] of graph.nodes) {
    const r = reach.get(id);
    const reached = r !== undefined;
    const dev = node.dev ?? (reached ? !r.runtime : false);
    const optional = node.optional ?? (reached ? !r.required : false);
    const nodePaths = (paths.get(id) ?? [[id]]).map((p) => p.map((step) => (step.startsWith('workspace:') ? step : label(step))));
    const direct = directIds.has(id) || !reached;
    const peer = reached && !r.nonPeer;
    const lockfile = node.lockfile ?? graph.lockfile;
    const key = `${node.name}\u0000${node.version}\u0000${lockfile}`;
    const existing = merged.get(key);
    if (existing) {
      const p = existing.pkg;
      existing.pkg = { ...p, direct: p.direct || direct, dev: p.dev && dev, optional: p.optional && optional, peer: p.peer && peer };
      for (const path of nodePaths) if (existing.paths.length < MAX_PATHS * 2) existing.paths.push(path);
      continue;
    }
    const pkg: LockedPackage = {
      ecosystem: graph.ecosystem,
      name: node.name,
      version: node.version,
      direct,
      dev,
      optional,
      peer,
      paths: [],
      lockfile,
      line: node.line,
      ...(node.markers === undefined ? {} : { markers: node.markers }),
    };
    merged.set(key, { pkg, paths: nodePaths });
  }
  const out = [...merged.values()].map(({ pkg, paths: ps }) => ({ ...pkg, paths: ps.sort((a, b) => a.length - b.length || a.join('>').localeCompare(b.join('>'))).slice(0, MAX_PATHS) }));
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.version < b.version ? -1 : a.version > b.version ? 1 : 0));
}
