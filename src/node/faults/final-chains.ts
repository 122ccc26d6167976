import type { FinalBlock, ValidatorCluster } from '../../test-helpers/validator-processes.js';

/** A validator's final chain as the suite read it: blocks by height, and where each batch id sits. */
export interface FinalChainView {
  readonly validator: number;
  readonly blocks: readonly FinalBlock[];
  /** Batch (transaction) id → the heights of the final blocks naming it (exactly one, if all is well). */
  readonly heightsOf: ReadonlyMap<string, readonly number[]>;
}

/**
 * The suite's invariant (issue 12 item 9), checked over HTTP on real processes: every batch acknowledged
 * by any validator is in exactly one final block on every honest validator, and the final chains are
 * identical height by height. Final blocks never change, so each validator's blocks are read once
 * (`FinalChains` keeps them and reads only new heights); a final block read again with another hash
 * fails the check.
 */
export class FinalChains {
  private readonly read = new Map<number, FinalBlock[]>();

  constructor(private readonly cluster: ValidatorCluster) {}

  /** Validator i's final chain now (blocks read before are kept; a changed one is an error). */
  async view(i: number): Promise<FinalChainView> {
    const known = this.read.get(i) ?? [];
    const fresh = await this.cluster.finalBlocks(i, Math.max(0, known.length - 1));
    const overlap = fresh[0];
    if (overlap && known.length > 0 && known.at(-1)!.hash !== overlap.hash) {
      throw new Error(`validator ${i}: final block ${overlap.height} was ${known.at(-1)!.hash}, now ${overlap.hash}: a final block was replaced`);
    }
    const blocks = fresh.length === 0 ? known : [...known.slice(0, Math.max(0, known.length - 1)), ...fresh];
    this.read.set(i, blocks);
    const heightsOf = new Map<string, number[]>();
    for (const b of blocks) {
      for (const id of b.txIds) {
        const list = heightsOf.get(id);
        if (list) list.push(b.height);
        else heightsOf.set(id, [b.height]);
      }
    }
    return { validator: i, blocks, heightsOf };
  }

  /** Where each batch stands on each validator (GET /batch/:id): for failure messages. */
  private async describe(who: readonly number[], ids: readonly string[]): Promise<string> {
    const lines: string[] = [];
    for (const id of ids) {
      const states = await Promise.all(who.map(async (i) => {
        try {
          const res = await fetch(`${this.cluster.url(i)}/batch/${id}`);
          if (!res.ok) return `v${i}: ${res.status}`;
          const b = (await res.json()) as { status?: string; height?: number; submitter?: number; sequence?: string };
          const op = (await (await fetch(`${this.cluster.url(i)}/operators/${b.submitter}`)).json()) as { lastSequence?: string };
          return `v${i}: ${b.status ?? '?'}${b.height !== undefined ? ` @${b.height}` : ''} (sequence ${b.sequence} of ${b.submitter}, last accepted ${op.lastSequence})`;
        } catch (err) {
          return `v${i}: ${err instanceof Error ? err.message : String(err)}`;
        }
      }));
      lines.push(`  batch ${id.slice(0, 16)}: ${states.join(', ')}`);
    }
    for (const i of who) {
      try {
        const relay = (await this.cluster.metrics(i)).split('\n').filter((l) => l.startsWith('cdrchain_relay_received_total') || l.startsWith('cdrchain_relay_bodies'));
        lines.push(`  v${i} relay: ${relay.map((l) => l.replace('cdrchain_relay_', '')).join('; ')}`);
      } catch {
        // down
      }
    }
    return lines.join('\n');
  }

  /**
   * Waits until every id of `acked` is final on every validator of `honest`, then checks the invariant:
   * each id in exactly one final block on each, no id twice anywhere, and identical final chains (hash
   * per height up to the lowest final height; each block linked to its parent). Resolves with the views.
   */
  async expectAllFinal(honest: readonly number[], acked: readonly string[], timeoutMs: number): Promise<FinalChainView[]> {
    const deadline = Date.now() + timeoutMs;
    let views: FinalChainView[];
    for (;;) {
      views = await Promise.all(honest.map((i) => this.view(i)));
      const missing = views.map((v) => acked.filter((id) => !v.heightsOf.has(id)));
      if (missing.every((m) => m.length === 0)) break;
      if (Date.now() > deadline) {
        const lines = views.map((v, k) => `validator ${v.validator}: final height ${v.blocks.length - 1}, ${missing[k]!.length} of ${acked.length} acked batches not final`);
        const where = await this.describe(honest, [...new Set(missing.flat())].slice(0, 6));
        throw new Error(`acknowledged batches not final within ${timeoutMs} ms:\n${lines.join('\n')}\n${where}\n${this.cluster.allLogs()}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    this.cluster.trace(`${acked.length} acknowledged batches final on ${honest.join(', ')}`);
    expectIdenticalChains(views);
    for (const v of views) {
      for (const [id, heights] of v.heightsOf) {
        if (heights.length !== 1) throw new Error(`validator ${v.validator}: batch ${id} is in ${heights.length} final blocks (heights ${heights.join(', ')})`);
      }
    }
    return views;
  }
}

/** Final chains agree height by height (up to the lowest) and each is linked (prevHash = parent's hash). */
export function expectIdenticalChains(views: readonly FinalChainView[]): void {
  const top = Math.min(...views.map((v) => v.blocks.length - 1));
  for (const v of views) {
    for (let h = 1; h < v.blocks.length; h++) {
      if (v.blocks[h]!.prevHash !== v.blocks[h - 1]!.hash) throw new Error(`validator ${v.validator}: final block ${h} does not link to block ${h - 1}`);
    }
  }
  for (let h = 0; h <= top; h++) {
    const hashes = new Set(views.map((v) => v.blocks[h]!.hash));
    if (hashes.size !== 1) {
      throw new Error(`final chains differ at height ${h}: ${views.map((v) => `validator ${v.validator} ${v.blocks[h]!.hash.slice(0, 16)} (${v.blocks[h]!.kind})`).join(', ')}`);
    }
  }
}
