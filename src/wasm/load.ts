// Synchronous loading of the AssemblyScript modules that scripts/build-wasm.mjs writes to
// build/<name>.wasm. Works from src/ (vitest) and from dist/src/ (compiled), since both resolve the
// package root by walking up to the nearest package.json.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The module called AssemblyScript's `abort` (an assertion or runtime check failed inside WASM). */
export class WasmAbortError extends Error {
  override readonly name = 'WasmAbortError';
  constructor(
    readonly wasmMessage: string,
    readonly fileName: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`wasm abort: ${wasmMessage} at ${fileName}:${line}:${column}`);
  }
}

/** build/<name>.wasm is missing or unreadable: run `node scripts/build-wasm.mjs`. */
export class WasmNotBuiltError extends Error {
  override readonly name = 'WasmNotBuiltError';
  constructor(readonly path: string) {
    super(`${path} not found: run \`node scripts/build-wasm.mjs\` (npm run build:wasm)`);
  }
}

// lib ES2022 + @types/node 20 do not declare the WebAssembly global: type the part used here.
/** A WebAssembly.Memory. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
/** A WebAssembly.Instance; exports are checked by each wrapper before use. */
export interface WasmInstance {
  readonly exports: Readonly<Record<string, unknown>>;
}
/** A WebAssembly.Imports object: module name → field name → value. */
export type WasmImports = Record<string, Record<string, unknown>>;
type WasmModule = object;
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: WasmImports) => WasmInstance;
  Memory: abstract new (...args: never[]) => WasmMemory;
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** True when `value` is a WebAssembly.Memory. */
export function isWasmMemory(value: unknown): value is WasmMemory {
  return value instanceof WA.Memory;
}

let packageRoot: string | undefined;

/** Nearest ancestor of this module holding package.json (dist/ has none, so it is skipped). */
export function findPackageRoot(): string {
  if (packageRoot !== undefined) return packageRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return (packageRoot = dir);
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/** Absolute path of build/<name>.wasm. */
export function wasmPath(name: string): string {
  return join(findPackageRoot(), 'build', `${name}.wasm`);
}

// Compiled modules are immutable and cheap to share; instances (and their memory) are not.
const modules = new Map<string, WasmModule>();

function compile(name: string): WasmModule {
  let module = modules.get(name);
  if (module === undefined) {
    const path = wasmPath(name);
    if (!existsSync(path)) throw new WasmNotBuiltError(path);
    module = new WA.Module(readFileSync(path));
    modules.set(name, module);
  }
  return module;
}

/** Reads an AssemblyScript string (UTF-16, byte length stored at ptr − 4) from memory. */
function readAsString(memory: WasmMemory | undefined, ptr: number): string {
  if (memory === undefined || ptr === 0) return '';
  const buf = memory.buffer;
  if (ptr < 4 || ptr > buf.byteLength) return `<string@${ptr}>`;
  const bytes = new DataView(buf).getUint32(ptr - 4, true);
  if (ptr + bytes > buf.byteLength) return `<string@${ptr}>`;
  return String.fromCharCode(...new Uint16Array(buf.slice(ptr, ptr + (bytes & ~1))));
}

/**
 * Instantiates build/<name>.wasm synchronously. `imports` are merged over a default `env.abort`
 * that throws WasmAbortError. Each call returns a fresh instance with its own memory.
 */
export function loadWasm(name: string, imports: WasmImports = {}): WasmInstance {
  let memory: WasmMemory | undefined;
  const abort = (message: number, file: number, line: number, column: number): never => {
    throw new WasmAbortError(readAsString(memory, message), readAsString(memory, file), line, column);
  };
  const env = { abort, ...(imports['env'] ?? {}) };
  const instance = new WA.Instance(compile(name), { ...imports, env });
  const exported = instance.exports['memory'];
  if (isWasmMemory(exported)) memory = exported;
  return instance;
}
