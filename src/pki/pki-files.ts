import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConsortiumCa, NodeCredentials } from './consortium-ca.js';
import { PkiError } from './errors.js';

/** File names in a CA directory (`cdrchain ca init`) and a node directory (`cdrchain ca issue`). */
export const CA_FILES = Object.freeze({ cert: 'ca.cert.pem', key: 'ca.key.pem' });
export const NODE_FILES = Object.freeze({ cert: 'node.cert.pem', key: 'node.key.pem', ca: 'ca.cert.pem' });

/** What a TLS endpoint needs, as PEM text. */
export interface TlsCredentials {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

function writeSecret(path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600); // the mode of writeFileSync does not apply to an existing file
}

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new PkiError(`cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Refuses to overwrite key material unless `force`. */
function prepareDir(dir: string, names: readonly string[], force: boolean): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const present = names.filter((n) => existsSync(join(dir, n)));
  if (present.length > 0 && !force) throw new PkiError(`${dir} already holds ${present.join(', ')}; pass --force to overwrite`);
}

export function writeCaDir(dir: string, ca: ConsortiumCa, force = false): { cert: string; key: string } {
  prepareDir(dir, [CA_FILES.cert, CA_FILES.key], force);
  const key = join(dir, CA_FILES.key);
  const cert = join(dir, CA_FILES.cert);
  writeSecret(key, ca.keyPem);
  writeFileSync(cert, ca.certPem, { mode: 0o644 });
  return { cert, key };
}

export function readCaDir(dir: string): { certPem: string; keyPem: string } {
  return { certPem: read(join(dir, CA_FILES.cert)), keyPem: read(join(dir, CA_FILES.key)) };
}

export function writeNodeDir(dir: string, node: NodeCredentials, force = false): { cert: string; key: string; ca: string } {
  prepareDir(dir, [NODE_FILES.cert, NODE_FILES.key], force);
  const paths = { cert: join(dir, NODE_FILES.cert), key: join(dir, NODE_FILES.key), ca: join(dir, NODE_FILES.ca) };
  writeSecret(paths.key, node.keyPem);
  writeFileSync(paths.cert, node.certPem, { mode: 0o644 });
  writeFileSync(paths.ca, node.caPem, { mode: 0o644 });
  return paths;
}

export function readNodeDir(dir: string): TlsCredentials {
  return Object.freeze({ cert: read(join(dir, NODE_FILES.cert)), key: read(join(dir, NODE_FILES.key)), ca: read(join(dir, NODE_FILES.ca)) });
}
