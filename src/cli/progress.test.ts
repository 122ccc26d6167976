import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { cdrchain } from '../test-helpers/processes.js';
import { counted, startProgress } from './progress.js';

/** A stream that keeps what is written, as a terminal (isTTY) or a pipe. */
function capture(isTTY: boolean): { stream: PassThrough & { isTTY?: boolean; columns?: number }; text(): string } {
  const stream = Object.assign(new PassThrough(), isTTY ? { isTTY: true, columns: 100 } : {});
  let out = '';
  stream.on('data', (d: Buffer) => (out += d.toString()));
  return { stream, text: () => out };
}

describe('CLI progress', () => {
  it('off a terminal: a plain line per tenth of the total and a last one, however the updates fall', () => {
    const c = capture(false);
    const p = startProgress({ label: 'generate 26201', unit: 'CDRs', total: 25_000, stream: c.stream });
    for (const _ of counted(Array.from({ length: 25_000 }), p, 700)) {
      // consume
    }
    p.stop();
    p.stop();
    const lines = c.text().trimEnd().split('\n');
    expect(lines[0]).toBe('generate 26201: 2,800/25,000 CDRs (11%)');
    expect(lines.at(-1)).toBe('generate 26201: 25,000/25,000 CDRs (100%)');
    expect(lines).toHaveLength(10);
    expect(c.text()).not.toMatch(/[\r\x1b]/);
  });

  it('off a terminal, work that stops early ends on the count it reached', () => {
    const c = capture(false);
    const p = startProgress({ label: 'x', unit: 'calls', total: 100, stream: c.stream });
    p.update(55);
    p.update(57);
    p.stop();
    expect(c.text()).toBe('x: 55/100 calls (55%)\nx: 57/100 calls (57%)\n');
  });

  it('on a terminal: a cli-progress bar', () => {
    const c = capture(true);
    const p = startProgress({ label: 'generate 26201', unit: 'CDRs', total: 10, stream: c.stream });
    p.update(10);
    p.stop();
    expect(c.text()).toMatch(/generate 26201 \|█+\| 100% \| 10\/10 CDRs/);
  });

  it('`cdrchain generate` on a pipe: progress lines on stderr, stdout only the CSV', async () => {
    const run = await cdrchain('generate', '--count', '5000', '--seed', 'progress', '--start', '1793577600');
    expect(run.code).toBe(0);
    const csv = run.stdout.trimEnd().split('\n');
    expect(csv).toHaveLength(5001); // header and 5,000 records
    const columns = csv[0]!.split(',').length;
    expect(csv.filter((l) => l.split(',').length !== columns || l.startsWith('generate'))).toEqual([]);
    const err = run.stderr.trimEnd().split('\n');
    expect(err).toEqual([
      ...[1, 2, 3, 4, 5].map((k) => `generate 26201: ${(k * 1000).toLocaleString('en-US')}/5,000 CDRs (${k * 20}%)`),
      'wrote 5000 CDRs',
    ]);
  });

  it('`cdrchain generate --counterparty-view` on a pipe: a pass per file, counted in calls', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cdrchain-progress-'));
    try {
      const run = await cdrchain('generate', '--count', '3000', '--seed', 'progress', '--start', '1793577600', '--out', join(dir, 'a.csv'),
        '--counterparty-view', join(dir, 'b.csv'), '--missing-rate', '0.1');
      expect(run.code).toBe(0);
      expect(run.stdout).toBe('');
      const lines = run.stderr.split('\n');
      expect(lines.filter((l) => l.startsWith('generate 26201: '))).toContain('generate 26201: 3,000/3,000 calls (100%)');
      expect(lines.filter((l) => l.startsWith("generate 23415's view: ")).at(-1)).toBe("generate 23415's view: 3,000/3,000 calls (100%)");
      expect(readFileSync(join(dir, 'a.csv'), 'utf8').split('\n').length).toBeGreaterThan(2000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('CLI progress of an open-ended count (submit)', () => {
  it('off a terminal: a plain line at most per interval and the last count on stop', async () => {
    const { startCountProgress } = await import('./progress.js');
    const c = capture(false);
    let t = 0;
    const p = startCountProgress({ label: 'submit', stream: c.stream, plainIntervalMs: 1000, now: () => t });
    for (let i = 1; i <= 30; i++) {
      t += 250; // four updates a second
      p.update(i * 1000, `${(i * 1000).toLocaleString('en-US')} CDRs accepted`);
    }
    p.stop();
    p.stop();
    const lines = c.text().trimEnd().split('\n');
    expect(lines[0]).toBe('submit: 4,000 CDRs accepted');
    expect(lines.at(-1)).toBe('submit: 30,000 CDRs accepted');
    expect(lines).toHaveLength(8); // every 4th update (7 lines up to 28,000), then the last
    expect(c.text()).not.toMatch(/[\r\x1b]/);
  });

  it('on a terminal: a bar, not lines', async () => {
    const { startCountProgress } = await import('./progress.js');
    const c = capture(true);
    const p = startCountProgress({ label: 'submit', stream: c.stream });
    p.update(5, '5 CDRs accepted');
    p.stop();
    expect(c.text()).toContain('submit |');
    expect(c.text()).toContain('5 CDRs accepted');
  });
});
