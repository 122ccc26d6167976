// Formatting for people: numbers with separators, short hashes, times, operator names.

const nf = new Intl.NumberFormat('en-US');

export function num(n: number | bigint | string): string {
  if (typeof n === 'string') return /^[0-9]+$/.test(n) ? nf.format(BigInt(n)) : n;
  return nf.format(n);
}

/** Like num, with at most `digits` decimals. */
export function dec(n: number, digits = 1): string {
  return new Intl.NumberFormat('en-US', { maximumFractionDigits: digits }).format(n);
}

export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${dec(n, i === 0 ? 0 : 1)} ${units[i]}`;
}

/** First and last 8 hex digits. */
export function shortHash(hex: string): string {
  return hex.length <= 20 ? hex : `${hex.slice(0, 8)}…${hex.slice(-8)}`;
}

/** "12 s ago", "3 min ago", "2 h ago", "5 d ago" (clamped at 0 for clocks slightly ahead). */
export function ago(ms: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

/** ISO 8601 in UTC, to the second. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Seconds since the epoch (batch periods) as a UTC date and time. */
export function periodTime(secs: string): string {
  return /^[0-9]+$/.test(secs) ? isoTime(Number(secs) * 1000).replace('T', ' ').replace('Z', ' UTC') : secs;
}

export function duration(ms: number): string {
  if (ms < 1000) return `${dec(ms, 0)} ms`;
  if (ms < 60_000) return `${dec(ms / 1000, 1)} s`;
  if (ms < 3_600_000) return `${dec(ms / 60_000, 1)} min`;
  return `${dec(ms / 3_600_000, 1)} h`;
}
