import type { Genesis, OperatorEntry } from './genesis.js';

/**
 * The consortium's operators as admission and queries read them. Today the genesis list
 * (OperatorRegistry); governance will change it by transactions, behind this same interface.
 */
export interface OperatorDirectory {
  get(plmn: number): OperatorEntry | undefined;
  has(plmn: number): boolean;
  /** In PLMN order. */
  list(): OperatorEntry[];
}

/** The consortium's operators by PLMN id, from genesis. */
export class OperatorRegistry implements OperatorDirectory {
  private readonly byPlmn: Map<number, OperatorEntry>;

  constructor(operators: readonly OperatorEntry[]) {
    this.byPlmn = new Map(operators.map((o) => [o.plmn, o]));
  }

  static fromGenesis(g: Genesis): OperatorRegistry {
    return new OperatorRegistry(g.operators);
  }

  get(plmn: number): OperatorEntry | undefined {
    return this.byPlmn.get(plmn);
  }

  has(plmn: number): boolean {
    return this.byPlmn.has(plmn);
  }

  list(): OperatorEntry[] {
    return [...this.byPlmn.values()].sort((a, b) => a.plmn - b.plmn);
  }
}
