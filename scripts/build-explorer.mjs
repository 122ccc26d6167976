// Bundles the explorer (explorer/) into dist/explorer with esbuild: content-hashed JS and CSS under
// assets/ (served as immutable), index.html pointing at them, and .br/.gz copies the node serves to
// browsers that take them. Prints the compressed sizes and fails (exit 1) when the JavaScript a page
// load fetches is over its budget: 300 KiB gzip-compressed (issue 15), `--js-budget BYTES` to change.
//   node scripts/build-explorer.mjs [--quiet] [--out DIR] [--js-budget BYTES]
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'explorer');
const option = (name) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const out = option('--out') ?? join(root, 'dist', 'explorer');
const quiet = process.argv.includes('--quiet');
const jsBudget = Number(option('--js-budget') ?? 300 * 1024);

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'assets'), { recursive: true });

const result = await esbuild.build({
  entryPoints: { main: join(src, 'src', 'main.ts'), styles: join(src, 'src', 'styles.css') },
  bundle: true,
  splitting: true,
  format: 'esm',
  target: ['chrome111', 'firefox115', 'safari16.4'],
  minify: true,
  sourcemap: 'linked',
  outdir: join(out, 'assets'),
  entryNames: '[name]-[hash]',
  chunkNames: 'chunk-[hash]',
  assetNames: '[name]-[hash]',
  metafile: true,
  legalComments: 'linked',
  logLevel: 'warning',
  tsconfig: join(src, 'tsconfig.json'),
});

const outputs = Object.entries(result.metafile.outputs);
/** The URL of the output built for `entrySuffix` with extension `ext`. */
const href = (entrySuffix, ext) => {
  const found = outputs.find(([p, o]) => p.endsWith(ext) && (o.entryPoint?.endsWith(entrySuffix) || o.cssBundle === undefined && p.includes(`/${entrySuffix.split('.')[0]}-`)));
  if (!found) throw new Error(`esbuild produced no ${ext} for ${entrySuffix}`);
  return '/explorer/' + relative(out, join(root, found[0])).split('\\').join('/');
};
const js = href('src/main.ts', '.js');
const cssHref = href('styles.css', '.css');

// The chunks the entry imports statically: preloaded with the entry, so the browser fetches them in
// parallel with it instead of discovering them only once it has run (a round trip saved on first load).
const entryOutput = outputs.find(([p]) => '/explorer/' + relative(out, join(root, p)).split('\\').join('/') === js);
const preloads = (entryOutput?.[1].imports ?? [])
  .filter((i) => i.kind === 'import-statement' && !i.external)
  .map((i) => `  <link rel="modulepreload" href="/explorer/${relative(out, join(root, i.path)).split('\\').join('/')}">`)
  .join('\n');
const html = readFileSync(join(src, 'index.html'), 'utf8')
  .replace('{{js}}', js)
  .replace('{{css}}', cssHref)
  .replace('  {{preloads}}\n', preloads === '' ? '' : `${preloads}\n`);
writeFileSync(join(out, 'index.html'), html);
copyFileSync(join(src, 'favicon.svg'), join(out, 'favicon.svg'));
// Remove the empty JS stub esbuild writes for a CSS-only entry.
for (const [p] of outputs) if (basename(p).startsWith('styles-') && p.endsWith('.js')) rmSync(join(root, p), { force: true });

// Pre-compressed copies of everything a page load fetches.
const sizes = { js: { raw: 0, gz: 0, br: 0 }, css: { raw: 0, gz: 0, br: 0 } };
const walk = (dir) => readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
for (const file of walk(out)) {
  if (!/\.(js|css|html|svg)$/.test(file)) continue;
  const body = readFileSync(file);
  const gz = gzipSync(body, { level: 9 });
  const br = brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } });
  writeFileSync(`${file}.gz`, gz);
  writeFileSync(`${file}.br`, br);
  const kind = file.endsWith('.js') ? 'js' : file.endsWith('.css') ? 'css' : undefined;
  if (kind) {
    sizes[kind].raw += body.length;
    sizes[kind].gz += gz.length;
    sizes[kind].br += br.length;
  }
}
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
if (!quiet) {
  console.log(`explorer built in ${relative(root, out)}: JS ${kb(sizes.js.raw)} (gzip ${kb(sizes.js.gz)}, brotli ${kb(sizes.js.br)}), CSS ${kb(sizes.css.raw)} (gzip ${kb(sizes.css.gz)})`);
}
writeFileSync(join(out, 'build.json'), JSON.stringify({ js, css: cssHref, sizes }, null, 2));
if (sizes.js.gz > jsBudget) {
  console.error(`explorer JavaScript is ${kb(sizes.js.gz)} gzip-compressed, over its budget of ${kb(jsBudget)}: trim a dependency or split a view into a lazily loaded chunk`);
  process.exit(1);
}
