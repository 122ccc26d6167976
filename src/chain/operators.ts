import type { Genesis, OperatorEntry } from './genesis.js';

/** The consortium's operators by PLMN id, from genesis (governance issues will change it by transactions). */
export class OperatorRegistry {
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

  /** In PLMN order. */
  list(): OperatorEntry[] {
    return [...this.byPlmn.values()].sort((a, b) => a.plmn - b.plmn);
  }
}
