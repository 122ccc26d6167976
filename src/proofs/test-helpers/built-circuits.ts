// Builds the test-size circuits once (scripts/build-circuits.mjs caches by a hash of its inputs and
// takes a lock, so parallel test files wait for one build) and loads their artifacts.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findPackageRoot } from '../../wasm/load.js';
import { loadChunkArtifacts, type ChunkArtifacts } from '../artifacts.js';
import { TEST_CHUNK_RECORDS } from '../circuit.js';
import { loadLinkArtifacts, type LinkArtifacts } from '../link/link-artifacts.js';
import { TEST_LINK_LINES } from '../link/link-circuit.js';

const run = promisify(execFile);

/** A cold build takes minutes on two busy cores; a cached one well under a second. */
export const BUILD_TIMEOUT_MS = 30 * 60_000;

export async function builtTestCircuits(): Promise<ChunkArtifacts> {
  const root = findPackageRoot();
  await run(process.execPath, [join(root, 'scripts', 'build-circuits.mjs')], { cwd: root, timeout: BUILD_TIMEOUT_MS, maxBuffer: 16 << 20 });
  return loadChunkArtifacts(TEST_CHUNK_RECORDS);
}

/** The test-size link circuit (the same build: every test size is built together). */
export async function builtTestLinkCircuit(): Promise<LinkArtifacts> {
  await builtTestCircuits();
  return loadLinkArtifacts(TEST_LINK_LINES);
}

export function circuitsDir(): string {
  return join(findPackageRoot(), 'build', 'circuits');
}
