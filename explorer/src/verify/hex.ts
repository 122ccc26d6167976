/** Hex ↔ bytes for the explorer's checks (lower-case hex, as the node sends it). */

export class HexFormatError extends Error {
  override readonly name = 'HexFormatError';
}

export function hexToBytes(hex: string, length?: number): Uint8Array {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(hex)) throw new HexFormatError('not an even-length hex string');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  if (length !== undefined && out.length !== length) throw new HexFormatError(`expected ${length} bytes, got ${out.length}`);
  return out;
}

export function bytesToHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}
