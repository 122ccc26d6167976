import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fsyncDir } from './segment-file.js';

export const MANIFEST_FILE = 'MANIFEST.json';
const FORMAT = 'cdrchain-nullifiers/1';

export interface SegmentEntry {
  readonly id: number;
  readonly file: string;
  readonly count: number;
}

/**
 * What the cold part of the nullifier index holds, written atomically after each segment write or
 * merge. `watermark`: every batch admitted with an ordinal below it has its keys in `segments`;
 * batches from it on are re-inserted from the admission log on start.
 */
export interface Manifest {
  readonly format: typeof FORMAT;
  readonly watermark: number;
  readonly nextId: number;
  readonly segments: readonly SegmentEntry[];
}

export class ManifestError extends Error {
  override readonly name = 'ManifestError';
}

export function emptyManifest(): Manifest {
  return { format: FORMAT, watermark: 0, nextId: 1, segments: [] };
}

export function segmentFileName(id: number): string {
  return `seg-${String(id).padStart(8, '0')}.bin`;
}

export function readManifest(dir: string): Manifest {
  const path = join(dir, MANIFEST_FILE);
  if (!existsSync(path)) return emptyManifest();
  let m: Manifest;
  try {
    m = JSON.parse(readFileSync(path, 'utf8')) as Manifest;
  } catch (err) {
    throw new ManifestError(`${path}: unreadable (${err instanceof Error ? err.message : String(err)})`);
  }
  if (m.format !== FORMAT || !Number.isSafeInteger(m.watermark) || !Number.isSafeInteger(m.nextId) || !Array.isArray(m.segments)) {
    throw new ManifestError(`${path}: not a ${FORMAT} manifest`);
  }
  for (const s of m.segments) {
    if (!Number.isSafeInteger(s.id) || s.file !== segmentFileName(s.id) || !Number.isSafeInteger(s.count)) throw new ManifestError(`${path}: bad segment entry ${JSON.stringify(s)}`);
  }
  return m;
}

/** Writes the manifest durably and atomically: temporary file, fsync, rename, fsync of the directory. */
export function writeManifest(dir: string, m: Manifest): void {
  const path = join(dir, MANIFEST_FILE);
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    const bytes = Buffer.from(JSON.stringify(m) + '\n');
    for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at, at);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  fsyncDir(dir);
}
