import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { findPackageRoot } from '../../src/wasm/load.js';

/**
 * The browser the explorer's end-to-end tests drive: Debian's `chromium` (no browser download),
 * or CHROMIUM_PATH. Without it the tests are skipped, and say so loudly with the install command.
 */
export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

export const CHROMIUM_MISSING: string | undefined = existsSync(CHROMIUM_PATH)
  ? undefined
  : `${CHROMIUM_PATH} is missing: install Debian's Chromium with \`apt-get install chromium\` (or set CHROMIUM_PATH to a Chromium binary)`;

/** Prints a banner naming the tests that cannot run and why (vitest shows it with the file's output). */
export function warnSkipped(file: string, tests: readonly string[]): void {
  if (!CHROMIUM_MISSING) return;
  const line = '═'.repeat(100);
  console.warn(
    [
      line,
      `  SKIPPED — the explorer's browser tests (${file}) did NOT run:`,
      `  ${CHROMIUM_MISSING}`,
      ...tests.map((t) => `    · ${t}`),
      line,
    ].join('\n'),
  );
}

/** The contrast audit, run in the page: every visible text element against its effective background (WCAG 2.x). */
export const CONTRAST_AUDIT = String.raw`(() => {
  const parse = (c) => { const m = c.match(/rgba?\(([^)]+)\)/); if (!m) return null; const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number); return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 }; };
  const lum = ({ r, g, b }) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const over = (top, under) => ({ r: top.r * top.a + under.r * (1 - top.a), g: top.g * top.a + under.g * (1 - top.a), b: top.b * top.a + under.b * (1 - top.a), a: 1 });
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor); if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; } }
    let bg = { r: 255, g: 255, b: 255, a: 1 };
    for (const l of layers.reverse()) bg = over(l, bg);
    return bg;
  };
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim() !== '');
    if (!own || el.closest('.visually-hidden, [aria-hidden="true"], noscript') || el.matches(':disabled') || el.closest(':disabled')) continue;
    const rect = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    if (rect.width === 0 || rect.height === 0 || s.visibility === 'hidden' || Number(s.opacity) === 0) continue;
    const fg = parse(s.color); if (!fg) continue;
    const bg = background(el);
    const L1 = lum(over(fg, bg)), L2 = lum(bg);
    const ratio = (Math.max(L1, L2) + 0.05) / (Math.min(L1, L2) + 0.05);
    const size = parseFloat(s.fontSize), bold = Number(s.fontWeight) >= 700;
    const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < need) out.push({ text: el.textContent.trim().slice(0, 40), tag: el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ').join('.') : ''), color: s.color, ratio: Math.round(ratio * 100) / 100, need });
  }
  return out;
})()`;

/** Rebuilds dist/explorer when a source is newer than the last build (npm run build did it already in CI). */
export async function ensureExplorerBuilt(): Promise<void> {
  const root = findPackageRoot();
  const newest = (dir: string): number =>
    Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((d) => (d.isDirectory() ? (d.name === 'e2e' ? 0 : newest(join(dir, d.name))) : statSync(join(dir, d.name)).mtimeMs)));
  let built = 0;
  try {
    built = statSync(join(root, 'dist', 'explorer', 'build.json')).mtimeMs;
  } catch {
    built = 0;
  }
  if (built >= newest(join(root, 'explorer'))) return;
  await promisify(execFile)(process.execPath, [join(root, 'scripts', 'build-explorer.mjs'), '--quiet'], { cwd: root, timeout: 60_000 });
}

/**
 * Launches the browser on one 1366×768 page whose console errors and page errors are pushed onto
 * `errors` (each test ends by expecting none, or exactly those it caused).
 */
export async function openBrowserPage(errors: string[]): Promise<{ browser: Browser; page: Page }> {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  return { browser, page };
}
