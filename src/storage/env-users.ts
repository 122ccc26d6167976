import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { StorageEnv } from './env.js';

/**
 * Other live processes that have the LMDB environment at `env` open. Every process that opens an
 * environment holds a shared POSIX lock on its lock.mdb for as long as it has it open (LMDB's
 * "environment in use" lock); on Linux /proc/locks lists them with their pids, so a running node
 * is seen even while it is idle. LMDB's reader table (slots of processes with a read transaction;
 * stale slots of dead processes are cleared first) adds what other systems can tell.
 */
export function otherProcessesUsing(env: StorageEnv): number[] {
  const pids = new Set<number>(lockHolders(join(env.path, 'lock.mdb')));
  env.root.readerCheck();
  for (const line of env.root.readerList().split('\n')) {
    const m = /^\s*(\d+)\s+[0-9a-f]+\s/i.exec(line);
    if (m) pids.add(Number(m[1]));
  }
  pids.delete(process.pid);
  return [...pids].sort((a, b) => a - b);
}

/** Pids holding POSIX locks on `file`, from /proc/locks (empty where there is none). */
function lockHolders(file: string): number[] {
  if (!existsSync('/proc/locks') || !existsSync(file)) return [];
  const { ino, dev } = statSync(file);
  // Linux dev_t: major in bits 8..19, minor in bits 0..7 and 20..31.
  const major = (dev >> 8) & 0xfff;
  const minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
  const pids: number[] = [];
  for (const line of readFileSync('/proc/locks', 'utf8').split('\n')) {
    // "1: POSIX  ADVISORY  READ 26754 fe:00:2146540 0 0" (waiters carry "->" before the type)
    const m = /^\d+:\s+(?:->\s+)?POSIX\s+\S+\s+(?:READ|WRITE)\s+(\d+)\s+([0-9a-f]+):([0-9a-f]+):(\d+)\s/i.exec(line);
    if (!m) continue;
    if (Number(m[4]) === ino && parseInt(m[2]!, 16) === major && parseInt(m[3]!, 16) === minor) pids.push(Number(m[1]));
  }
  return pids;
}
