/**
 * An account's customer-cluster or product-cluster tree, as price selection and routing see it.
 * Built once from the stored nodes, then every lookup is O(depth): the depth of each node is
 * precomputed, so an ancestry test climbs only the difference in depth.
 */
import { DomainError } from '../../kernel/errors';

export interface ClusterNodeRef {
  readonly id: string;
  readonly parent?: string | null;
}

/** The stored nodes do not form a tree (duplicate id, unknown parent, cycle). */
export class ClusterTreeError extends DomainError {
  readonly kind = 'failed';
  readonly code = 'invalid_cluster_tree';
  constructor(message: string) {
    super(message);
    this.name = 'ClusterTreeError';
  }
}

/** A lookup of a cluster the tree does not hold (the callers check membership first). */
export class UnknownClusterError extends DomainError {
  readonly kind = 'failed';
  readonly code = 'unknown_cluster';
  constructor(readonly clusterId: string) {
    super(`unknown cluster '${clusterId}'`);
    this.name = 'UnknownClusterError';
  }
}

export class ClusterTree {
  private readonly parentOf = new Map<string, string | null>();
  private readonly depthOf = new Map<string, number>();
  private readonly childrenOf = new Map<string, string[]>();

  constructor(nodes: readonly ClusterNodeRef[]) {
    for (const node of nodes) {
      if (this.parentOf.has(node.id)) throw new ClusterTreeError(`cluster '${node.id}' appears twice`);
      this.parentOf.set(node.id, node.parent ?? null);
    }
    for (const [id, parent] of this.parentOf) {
      if (parent === null) continue;
      if (!this.parentOf.has(parent)) throw new ClusterTreeError(`cluster '${id}' names unknown parent '${parent}'`);
      const siblings = this.childrenOf.get(parent);
      if (siblings) siblings.push(id);
      else this.childrenOf.set(parent, [id]);
    }
    for (const id of this.parentOf.keys()) this.computeDepth(id);
  }

  get size(): number {
    return this.parentOf.size;
  }

  has(id: string): boolean {
    return this.parentOf.has(id);
  }

  parent(id: string): string | null {
    const parent = this.parentOf.get(id);
    if (parent === undefined) throw new UnknownClusterError(id);
    return parent;
  }

  /** Roots are at depth 0. */
  depth(id: string): number {
    const depth = this.depthOf.get(id);
    if (depth === undefined) throw new UnknownClusterError(id);
    return depth;
  }

  /** `id` itself first, then its parent, up to the root. */
  ancestors(id: string): string[] {
    const line: string[] = [];
    for (let at: string | null = this.knownOrThrow(id); at !== null; at = this.parentOf.get(at)!) line.push(at);
    return line;
  }

  /** False when either cluster is unknown: a rule on a deleted cluster applies to nothing. */
  isAncestorOrSelf(ancestor: string, id: string): boolean {
    const ancestorDepth = this.depthOf.get(ancestor);
    let depth = this.depthOf.get(id);
    if (ancestorDepth === undefined || depth === undefined || depth < ancestorDepth) return false;
    let at = id;
    for (; depth > ancestorDepth; depth--) at = this.parentOf.get(at)!;
    return at === ancestor;
  }

  /** One is an ancestor-or-self of the other: the overlap test for routing rules (docs/product.md §4). */
  onSameLine(a: string, b: string): boolean {
    return a === b || this.isAncestorOrSelf(a, b) || this.isAncestorOrSelf(b, a);
  }

  /**
   * Whether giving `id` the parent `newParent` would make a cycle: the new parent is `id` itself or
   * lies below it. A node not yet in the tree cannot be anyone's ancestor.
   */
  wouldCreateCycle(id: string, newParent: string | null): boolean {
    if (newParent === null) return false;
    return newParent === id || this.isAncestorOrSelf(id, newParent);
  }

  /** Every node below `id` (not `id` itself), breadth first. */
  descendants(id: string): string[] {
    this.knownOrThrow(id);
    const found: string[] = [];
    for (let queue = [id], i = 0; i < queue.length; i++) {
      for (const child of this.childrenOf.get(queue[i]!) ?? []) {
        found.push(child);
        queue.push(child);
      }
    }
    return found;
  }

  private knownOrThrow(id: string): string {
    if (!this.parentOf.has(id)) throw new UnknownClusterError(id);
    return id;
  }

  /** Iterative so a deep (or cyclic) stored tree can neither overflow the stack nor loop forever. */
  private computeDepth(id: string): void {
    const path: string[] = [];
    const onPath = new Set<string>();
    let at: string | null = id;
    while (at !== null && !this.depthOf.has(at)) {
      if (onPath.has(at)) throw new ClusterTreeError(`clusters form a cycle through '${at}'`);
      onPath.add(at);
      path.push(at);
      at = this.parentOf.get(at)!;
    }
    let depth = at === null ? -1 : this.depthOf.get(at)!;
    for (let i = path.length - 1; i >= 0; i--) this.depthOf.set(path[i]!, ++depth);
  }
}
