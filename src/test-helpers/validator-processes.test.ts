import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reservePorts } from './validator-processes.js';

describe('reservePorts', () => {
  it('reserves distinct free ports below the ephemeral range, locked for this process until released', async () => {
    const a = await reservePorts(8);
    const b = await reservePorts(8);
    const all = [...a.ports, ...b.ports];
    expect(new Set(all).size).toBe(16);
    for (const p of all) {
      expect(p).toBeGreaterThanOrEqual(12_000);
      expect(p).toBeLessThan(32_768);
      expect(readFileSync(join(tmpdir(), 'cdrchain-test-ports', String(p)), 'utf8')).toBe(String(process.pid));
    }
    a.release();
    b.release();
    for (const p of all) expect(existsSync(join(tmpdir(), 'cdrchain-test-ports', String(p)))).toBe(false);
  });
});
