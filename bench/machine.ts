// Shared helpers for every benchmark's results file: the machine it ran on, the command that
// produced it, the date, and where results live. Use `resultEnvelope` + `writeResult` so every
// bench/results/*.json carries the same provenance fields:
//
//   import { resultEnvelope, writeResult } from './machine.js';
//   writeResult('poseidon', { ...resultEnvelope('node dist/bench/poseidon.bench.js'), ...figures });
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, platform, release, totalmem, arch } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface MachineInfo {
  readonly cpuModel: string;
  /** Logical CPUs this process may use (os.availableParallelism). */
  readonly cores: number;
  readonly totalMemGiB: number;
  readonly node: string;
  /** e.g. "linux 6.1.0-18-amd64 x64 (Debian GNU/Linux 12 (bookworm))". */
  readonly os: string;
}

export interface ResultEnvelope {
  /** The shell command that produced the file. */
  readonly command: string;
  /** ISO 8601, UTC. */
  readonly date: string;
  readonly machine: MachineInfo;
}

export function machineInfo(): MachineInfo {
  return {
    cpuModel: (cpus()[0]?.model ?? 'unknown').trim(),
    cores: availableParallelism(),
    totalMemGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
    node: process.version,
    os: `${platform()} ${release()} ${arch()}${distroName()}`,
  };
}

function distroName(): string {
  try {
    const text = readFileSync('/etc/os-release', 'utf8');
    const m = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(text);
    return m?.[1] ? ` (${m[1]})` : '';
  } catch {
    return '';
  }
}

/** The provenance block every results JSON starts with. */
export function resultEnvelope(command: string = currentCommand()): ResultEnvelope {
  return { command, date: new Date().toISOString(), machine: machineInfo() };
}

/** `node <script relative to the repo> <args>` for the running process. */
export function currentCommand(): string {
  const script = process.argv[1];
  const root = repoRoot();
  const shown = script ? relative(root, script) || script : '<repl>';
  return ['node', shown, ...process.argv.slice(2)].join(' ');
}

/** The repository root: the nearest directory above this file holding package.json. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

/** bench/results in the repository (never under dist/). */
export function resultsDir(): string {
  return join(repoRoot(), 'bench', 'results');
}

/** Writes bench/results/<name>.json (pretty, trailing newline); returns the path. */
export function writeResult(name: string, value: unknown): string {
  const path = join(resultsDir(), `${name}.json`);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(value, bigintReplacer, 2) + '\n');
  return path;
}

function bigintReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

/** One line describing the machine, for logs and markdown. */
export function machineLine(m: MachineInfo = machineInfo()): string {
  return `${m.cpuModel}, ${m.cores} cores, ${m.totalMemGiB} GiB, Node ${m.node}, ${m.os}`;
}
