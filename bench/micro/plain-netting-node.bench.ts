// Plain-mode netting as the node runs it when a proposal is applied (docs/settlement.md, "Plain mode
// on chain"): the period's statements loaded from real LMDB (ContractStore.slotsIn, two range reads:
// the pair words and the marks of zero statements), then netting-plain.casm in the WASM VM, for 20 and
// 600 operators with every pair a statement (179,700 pairs at 600). Three runs each; prints JSON lines.
//
//   npx tsc -p tsconfig.build.json && node dist/bench/micro/plain-netting-node.bench.js
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadPlainStatements, runPlainNetting, type SlotRangeReader } from '../../src/chain/settlement-approval-rules.js';
import { PLAIN_STATEMENTS_ID, plainStatementWrites } from '../../src/chain/settlement-state.js';
import { PlainNettingContract } from '../../src/settlement/netting-contract.js';
import { openStores } from '../../src/storage/index.js';
import { loadSystemContracts } from '../../src/vm/system/index.js';

const contract = PlainNettingContract.from(loadSystemContracts());
const dir = mkdtempSync(join(tmpdir(), 'plain-netting-bench-'));
const stores = openStores(dir);
try {
  for (const n of [20, 600]) {
    const key = BigInt(Date.UTC(2025, 11, 1) / 1000) + BigInt(n);
    const operators = Array.from({ length: n }, (_, i) => 10_000 + i);
    const writes: [bigint, bigint][] = [];
    let p = 0;
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++, p++) writes.push(...plainStatementWrites(key, p, BigInt(1 + ((i * 7919 + j * 104_729) % 9_999_999)), BigInt(1 + ((i * 31 + j * 17) % 5_000_000))));
    }
    await stores.env.transaction(() => stores.contracts.writeSlots(PLAIN_STATEMENTS_ID, writes));
    const reader: SlotRangeReader = { slot: (id, k) => stores.contracts.slot(id, k), slotsIn: (id, f, t) => stores.contracts.slotsIn(id, f, t) };
    for (let r = 0; r < 3; r++) {
      const t0 = performance.now();
      const statements = loadPlainStatements(reader, key, operators);
      const t1 = performance.now();
      const transfers = runPlainNetting(contract, key, operators, statements);
      const t2 = performance.now();
      process.stdout.write(`${JSON.stringify({ operators: n, pairs: p, lmdbLoadMs: +(t1 - t0).toFixed(1), nettingMs: +(t2 - t1).toFixed(1), transfers: transfers.length, load: loadavg()[0]!.toFixed(1) })}\n`);
    }
  }
} finally {
  await stores.env.close();
  rmSync(dir, { recursive: true, force: true });
}
