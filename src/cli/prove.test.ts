// `cdrchain prove` end to end: the real CLI (dist/) against a real node, a real Groth16 proof on the
// 4-record test circuit, from the CDR file the batch was built from.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Operator } from '../client/operator.js';
import { formatCdrNdjson } from '../cdr/json.js';
import { toHex } from '../codec/bytes.js';
import { BUILD_TIMEOUT_MS, builtTestCircuits } from '../proofs/test-helpers/built-circuits.js';
import { ORANGE_FR, startTestNode, tempDataDir, TELEKOM_DE, traffic, VODAFONE_UK } from '../test-helpers/devnet.js';
import type { CdrNode } from '../node/node.js';
import { findPackageRoot } from '../wasm/load.js';

const run = promisify(execFile);
const data = tempDataDir();
let node: CdrNode;
const mine = traffic(TELEKOM_DE, VODAFONE_UK, 5, 'cli-prove');
const file = join(data.dir, 'cdrs.ndjson');

beforeAll(async () => {
  await builtTestCircuits();
  node = await startTestNode(join(data.dir, 'node'));
  // Another pair's CDRs in the same file: prove cuts the file per counterparty, as submit does.
  writeFileSync(file, formatCdrNdjson([...traffic(TELEKOM_DE, ORANGE_FR, 3, 'cli-prove-other'), ...mine]));
}, BUILD_TIMEOUT_MS);

afterAll(async () => {
  await node?.stop();
  data.cleanup();
});

async function prove(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const cli = join(findPackageRoot(), 'dist', 'src', 'cli', 'main.js');
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, 'prove', ...args, '--url', node.url], { timeout: 240_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('cdrchain prove', { timeout: 300_000 }, () => {
  it('proves a submitted batch from its CDR file; the node marks it proven', async () => {
    const batch = Operator.devnet(TELEKOM_DE).batch(mine, 1n);
    await node.chain.submitTx(batch.frame.slice(), node.chain.httpSource);
    const id = toHex(batch.id);

    // Another --batch-size cuts other batches: no batch of the file has this root.
    expect((await prove(id, '--input', file, '--operator', String(TELEKOM_DE), '--batch-size', '4')).code).toBe(2);
    // Only the submitter proves (its secrets derived the openings).
    expect((await prove(id, '--input', file, '--operator', String(VODAFONE_UK), '--batch-size', '5')).code).toBe(2);

    const ok = await prove(id, '--input', file, '--operator', String(TELEKOM_DE), '--batch-size', '5');
    expect(ok.code, ok.stderr).toBe(0);
    const out = JSON.parse(ok.stdout) as Record<string, unknown>;
    expect(out).toMatchObject({ batch: id, sequence: '1', chunks: 2, chunkRecords: 4 });
    const view = (await (await fetch(`${node.url}/batch/${id}`)).json()) as { proven?: { txHash: string } };
    expect(view.proven?.txHash).toBe(out['tx']);

    // Run again: nothing to do.
    const again = await prove(id, '--input', file, '--operator', String(TELEKOM_DE), '--batch-size', '5');
    expect(JSON.parse(again.stdout)).toMatchObject({ alreadyProven: true });
    // An unknown batch: exit 3.
    expect((await prove('ab'.repeat(32), '--input', file, '--operator', String(TELEKOM_DE))).code).toBe(3);
  });
});
