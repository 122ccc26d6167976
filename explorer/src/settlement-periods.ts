// Settlement period ids as the consortium's rule names them (src/settlement/settlement-period.ts):
// calendar months ("2026-11") or N-day periods from an anchor midnight ("2026-11-30+7d"). The page
// does not know the rule in advance: it learns it from the node's answers (a period's start and
// end, or the message of a 400 for an id of another rule) and steps from one period to the next here.

const DAY_MS = 86_400_000;
const MONTH_ID = /^(\d{4})-(0[1-9]|1[0-2])$/;
const DAYS_ID = /^(\d{4})-(\d{2})-(\d{2})\+(\d{1,3})d$/;

/** How the consortium cuts time, as far as the page needs it. */
export type PeriodGrid = { readonly kind: 'month' } | { readonly kind: 'days'; readonly days: number; readonly anchorMs: number };

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Whether `id` is shaped like a period id of either kind (the node decides whether it is one of its rule). */
export function looksLikePeriodId(id: string): boolean {
  return MONTH_ID.test(id) || DAYS_ID.test(id);
}

/** The id of the period containing `ms` under `grid`. */
export function periodIdAt(grid: PeriodGrid, ms: number): string {
  const d = new Date(ms);
  if (grid.kind === 'month') return `${String(d.getUTCFullYear()).padStart(4, '0')}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
  const len = grid.days * DAY_MS;
  const start = grid.anchorMs + Math.floor((ms - grid.anchorMs) / len) * len;
  return `${isoDay(start)}+${grid.days}d`;
}

/** The start (unix ms) of the period `id` names (undefined for an id of neither kind). */
export function periodStartMs(id: string): number | undefined {
  const m = MONTH_ID.exec(id);
  if (m) return Date.UTC(Number(m[1]), Number(m[2]) - 1, 1);
  const d = DAYS_ID.exec(id);
  if (d) return Date.UTC(Number(d[1]), Number(d[2]) - 1, Number(d[3]));
  return undefined;
}

/** The grid an id belongs to (an N-day id is its own anchor: any period start is on the grid). */
export function gridOf(id: string): PeriodGrid | undefined {
  if (MONTH_ID.test(id)) return { kind: 'month' };
  const d = DAYS_ID.exec(id);
  if (!d) return undefined;
  return { kind: 'days', days: Number(d[4]), anchorMs: Date.UTC(Number(d[1]), Number(d[2]) - 1, Number(d[3])) };
}

/** The period `steps` before `id` (1: the previous one); undefined for an id of neither kind. */
export function periodBefore(id: string, steps = 1): string | undefined {
  const grid = gridOf(id);
  const start = periodStartMs(id);
  if (!grid || start === undefined) return undefined;
  if (grid.kind === 'month') {
    const d = new Date(start);
    return periodIdAt(grid, Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - steps, 1));
  }
  return periodIdAt(grid, start - steps * grid.days * DAY_MS);
}

/**
 * The rule read from the node's 400 for a month id on a chain of N-day periods:
 * `"…" is not a period YYYY-MM-DD+7d` gives N, `(7-day periods from 2000-01-03)` N and the anchor.
 * Undefined when the message says neither (the page then asks for an id).
 */
export function gridFromRefusal(message: string): { days: number; anchorMs?: number } | undefined {
  const anchored = /\((\d{1,3})-day periods from (\d{4})-(\d{2})-(\d{2})\)/.exec(message);
  if (anchored) return { days: Number(anchored[1]), anchorMs: Date.UTC(Number(anchored[2]), Number(anchored[3]) - 1, Number(anchored[4])) };
  const days = /YYYY-MM-DD\+(\d{1,3})d/.exec(message);
  return days ? { days: Number(days[1]) } : undefined;
}

/**
 * A rate "num/den" (major units of the base per major unit) as a decimal: exact when the reduced
 * denominator has no prime factor but 2 and 5, else rounded half up to `digits` decimals and marked.
 */
export function rateDecimal(fraction: string, digits = 10): { text: string; exact: boolean } {
  const m = /^([0-9]+)\/([0-9]+)$/.exec(fraction);
  if (!m || BigInt(m[2]!) === 0n) return { text: fraction, exact: false };
  let num = BigInt(m[1]!);
  let den = BigInt(m[2]!);
  const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b));
  const g = gcd(num, den);
  num /= g;
  den /= g;
  let rest = den;
  let twos = 0;
  let fives = 0;
  while (rest % 2n === 0n) { rest /= 2n; twos++; }
  while (rest % 5n === 0n) { rest /= 5n; fives++; }
  const exact = rest === 1n && Math.max(twos, fives) <= 36;
  const places = exact ? Math.max(twos, fives) : digits;
  const scale = 10n ** BigInt(places);
  const scaled = exact ? (num * scale) / den : (num * scale * 2n + den) / (den * 2n);
  const whole = scaled / scale;
  const frac = (scaled % scale).toString().padStart(places, '0');
  const text = places === 0 ? whole.toString() : `${whole}.${frac}`;
  // Reduced, an exact decimal needs max(twos, fives) places: never a trailing zero.
  return { text, exact };
}
