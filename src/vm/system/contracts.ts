// System contracts: VM code the node itself runs, deployed at genesis rather than by a transaction.
// Their source lives in contracts/system/*.casm and is assembled once when the node starts; the
// assembler is deterministic, so every node holds the same code under the same id.

import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { findPackageRoot } from '../../wasm/load.js';
import { AsmError, assemble, type SourceMap } from '../asm/index.js';

export interface SystemContract {
  /** The file name without `.casm`, e.g. `batch-limits`. */
  readonly name: string;
  readonly sourcePath: string;
  readonly source: string;
  /** Version-1 bytecode container. */
  readonly container: Uint8Array;
  /** The code inside the container (what the interpreter runs). */
  readonly code: Uint8Array;
  readonly sourceMap: SourceMap;
  /** SHA-256("cdrchain:system:" ‖ name): fixed by the name, so it does not change with the code. */
  readonly id: Uint8Array;
  /** `id` as a big-endian word (the contract's ADDRESS). */
  readonly address: bigint;
}

/** A system contract is missing, or one failed to assemble: the node cannot start. */
export class SystemContractLoadError extends Error {
  override readonly name = 'SystemContractLoadError';
}

const ID_DOMAIN = 'cdrchain:system:';

export function systemContractId(name: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(ID_DOMAIN).update(name, 'utf8').digest());
}

/** contracts/system under the package root (works from src/ under vitest and from dist/). */
export function systemContractsDir(): string {
  return join(findPackageRoot(), 'contracts', 'system');
}

/** The assembled system contracts, by name. */
export class SystemContracts {
  private readonly byName: ReadonlyMap<string, SystemContract>;

  constructor(contracts: readonly SystemContract[]) {
    this.byName = new Map(contracts.map((c) => [c.name, c]));
  }

  get all(): readonly SystemContract[] {
    return [...this.byName.values()];
  }

  /**
   * SHA-256 over every contract's name and code, in name order: part of the chain's identity, so
   * nodes that would run different admission or settlement rules refuse each other's data.
   */
  digest(): Uint8Array {
    const h = createHash('sha256').update('cdrchain:system-contracts:1');
    for (const c of [...this.byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      h.update(c.name, 'utf8').update(Uint8Array.of(0)).update(createHash('sha256').update(c.container).digest());
    }
    return new Uint8Array(h.digest());
  }

  get(name: string): SystemContract {
    const contract = this.byName.get(name);
    if (!contract) throw new SystemContractLoadError(`no system contract ${name} (have: ${[...this.byName.keys()].join(', ') || 'none'})`);
    return contract;
  }
}

/** Assembles every `*.casm` in `dir`, in name order. */
export function loadSystemContracts(dir: string = systemContractsDir()): SystemContracts {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.casm')).sort();
  } catch (err) {
    throw new SystemContractLoadError(`cannot read system contracts in ${dir}: ${(err as Error).message}`, { cause: err });
  }
  return new SystemContracts(files.map((file) => loadOne(join(dir, file))));
}

function loadOne(sourcePath: string): SystemContract {
  const name = basename(sourcePath, '.casm');
  const source = readFileSync(sourcePath, 'utf8');
  let assembled: ReturnType<typeof assemble>;
  try {
    assembled = assemble(source, { fileName: basename(sourcePath) });
  } catch (err) {
    if (!(err instanceof AsmError)) throw err;
    throw new SystemContractLoadError(`system contract ${name} does not assemble:\n${err.format()}`, { cause: err });
  }
  const id = systemContractId(name);
  return {
    name, sourcePath, source,
    container: assembled.container,
    code: assembled.code,
    sourceMap: assembled.sourceMap,
    id,
    address: BigInt(`0x${Buffer.from(id).toString('hex')}`),
  };
}
