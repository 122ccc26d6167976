import { BlockKind } from '../codec/block.js';
import { toHex } from '../codec/bytes.js';
import type { ConsensusBlock } from './consensus-block.js';

export interface TreeNode {
  readonly block: ConsensusBlock;
  readonly parent: TreeNode | undefined;
  readonly isSkip: boolean;
}

/**
 * The accepted blocks above the last final block (its root), and the fork choice among them
 * (docs/consensus.md §7, after core-rs-albatross' ChainOrdering in
 * blockchain-interface/src/chain_ordering.rs): from where two branches fork, the first height at
 * which exactly one has a skip block decides for it; otherwise the longer wins; at equal length the
 * current head stays. Every block here was validated and applied before it was added.
 */
export class BlockTree {
  private readonly nodes = new Map<string, TreeNode>();
  private rootNode: TreeNode;
  private headNode: TreeNode;

  constructor(root: ConsensusBlock) {
    this.rootNode = { block: root, parent: undefined, isSkip: false };
    this.nodes.set(root.hashHex, this.rootNode);
    this.headNode = this.rootNode;
  }

  get root(): ConsensusBlock {
    return this.rootNode.block;
  }
  get head(): ConsensusBlock {
    return this.headNode.block;
  }
  get size(): number {
    return this.nodes.size;
  }

  has(hashHex: string): boolean {
    return this.nodes.has(hashHex);
  }
  get(hashHex: string): ConsensusBlock | undefined {
    return this.nodes.get(hashHex)?.block;
  }

  /** Adds a block whose parent is in the tree; returns true if it became the head. */
  add(block: ConsensusBlock): boolean {
    if (this.nodes.has(block.hashHex)) return false;
    const parent = this.nodes.get(toHex(block.header.prevHash));
    if (parent === undefined) throw new Error(`parent of ${block.hashHex} is not in the tree`);
    const node: TreeNode = { block, parent, isSkip: block.header.kind === BlockKind.Skip };
    this.nodes.set(block.hashHex, node);
    if (this.better(node, this.headNode)) {
      this.headNode = node;
      return true;
    }
    return false;
  }

  /** Blocks from the root (exclusive) to `hashHex` (inclusive), oldest first. */
  branch(hashHex: string): ConsensusBlock[] {
    const out: ConsensusBlock[] = [];
    for (let n = this.nodes.get(hashHex); n !== undefined && n !== this.rootNode; n = n.parent) out.push(n.block);
    return out.reverse();
  }

  /** Up to `count` ancestors of `hashHex` (nearest last) and the block itself, within the tree. */
  ancestry(hashHex: string, count: number): ConsensusBlock[] {
    const out: ConsensusBlock[] = [];
    for (let n = this.nodes.get(hashHex); n !== undefined && out.length <= count; n = n.parent) out.push(n.block);
    return out.reverse();
  }

  /**
   * `final` (a descendant of the root, or a macro block whose parent is in the tree) becomes the
   * root: every block not descending from it is dropped. Returns the blocks that became final, oldest first.
   */
  finalize(final: ConsensusBlock): ConsensusBlock[] {
    if (!this.nodes.has(final.hashHex)) this.add(final);
    const newly = this.branch(final.hashHex);
    const keep = new Map<string, TreeNode>();
    const newRoot: TreeNode = { block: final, parent: undefined, isSkip: false };
    keep.set(final.hashHex, newRoot);
    // Descendants of `final` (none yet in practice: nothing builds past an undecided macro height).
    const remap = new Map<TreeNode, TreeNode>([[this.nodes.get(final.hashHex)!, newRoot]]);
    const byHeight = [...this.nodes.values()].sort((a, b) => a.block.height - b.block.height);
    for (const n of byHeight) {
      const p = n.parent && remap.get(n.parent);
      if (p === undefined || remap.has(n)) continue;
      const copy: TreeNode = { block: n.block, parent: p, isSkip: n.isSkip };
      remap.set(n, copy);
      keep.set(n.block.hashHex, copy);
    }
    this.nodes.clear();
    for (const [k, v] of keep) this.nodes.set(k, v);
    this.rootNode = newRoot;
    this.headNode = newRoot;
    for (const n of this.nodes.values()) if (this.better(n, this.headNode)) this.headNode = n;
    return newly;
  }

  /** Whether `a` is a better head than `b` (Albatross' chain ordering). */
  private better(a: TreeNode, b: TreeNode): boolean {
    if (a === b) return false;
    // Walk both back to their common ancestor, remembering each branch's nodes.
    const aPath: TreeNode[] = [];
    const bPath: TreeNode[] = [];
    let x: TreeNode | undefined = a;
    let y: TreeNode | undefined = b;
    while (x !== y) {
      if (x === undefined || y === undefined) return false;
      if (x.block.height >= y.block.height) {
        aPath.push(x);
        x = x.parent;
      } else {
        bPath.push(y);
        y = y.parent;
      }
    }
    if (bPath.length === 0) return aPath.length > 0; // a extends b
    if (aPath.length === 0) return false; // b extends a
    aPath.reverse();
    bPath.reverse();
    const common = Math.min(aPath.length, bPath.length);
    for (let i = 0; i < common; i++) {
      if (aPath[i]!.isSkip && !bPath[i]!.isSkip) return true;
      if (!aPath[i]!.isSkip && bPath[i]!.isSkip) return false;
    }
    return aPath.length > bPath.length;
  }
}

/**
 * Blocks whose parent is not known yet, bounded: beyond `max` the oldest is dropped (a peer cannot
 * fill memory with unconnectable blocks). Indexed by parent hash to resume them when it arrives.
 */
export class OrphanPool {
  private readonly byHash = new Map<string, { block: ConsensusBlock; from: number }>();

  constructor(private readonly max: number) {}

  add(block: ConsensusBlock, from: number): void {
    if (this.byHash.has(block.hashHex)) return;
    if (this.byHash.size >= this.max) {
      const oldest = this.byHash.keys().next().value;
      if (oldest !== undefined) this.byHash.delete(oldest);
    }
    this.byHash.set(block.hashHex, { block, from });
  }

  has(hashHex: string): boolean {
    return this.byHash.has(hashHex);
  }

  /** Removes and returns the orphans whose parent is `parentHex`. */
  takeChildren(parentHex: string): { block: ConsensusBlock; from: number }[] {
    const out: { block: ConsensusBlock; from: number }[] = [];
    for (const [k, e] of this.byHash) {
      if (toHex(e.block.header.prevHash) === parentHex) {
        out.push(e);
        this.byHash.delete(k);
      }
    }
    return out.sort((a, b) => a.block.height - b.block.height);
  }

  /** Drops orphans at or below `height` (final now: they can never connect). */
  prune(atOrBelowHeight: number): void {
    for (const [k, e] of this.byHash) if (e.block.height <= atOrBelowHeight) this.byHash.delete(k);
  }

  get size(): number {
    return this.byHash.size;
  }
}
