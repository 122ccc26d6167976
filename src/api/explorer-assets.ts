import { readFileSync, realpathSync, statSync } from 'node:fs';
import { extname, join, sep } from 'node:path';
import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { findPackageRoot } from '../wasm/load.js';

/**
 * The explorer web page (explorer/, bundled by scripts/build-explorer.mjs into dist/explorer):
 * `GET /` answers its index.html, `GET /explorer/*` its assets. Only regular files under the root
 * are served, named by a strict path pattern (no `..`, no dot-files, no percent-escapes), so a
 * request can never reach outside dist/explorer. Content-hashed assets are cached for a year;
 * index.html is revalidated (ETag) so a rebuilt explorer shows at the next load.
 */

export interface ExplorerAssetsOptions {
  /** The built explorer (default: <package root>/dist/explorer). */
  readonly root: string;
  /** Files larger than this are not served (the bundle is a few hundred KB). */
  readonly maxFileBytes: number;
  /** Files kept in memory at once (index, bundles, their compressed copies). */
  readonly maxCachedFiles: number;
}

export class InvalidExplorerAssetsOptionsError extends Error {
  override readonly name = 'InvalidExplorerAssetsOptionsError';
}

const DEFAULTS = { maxFileBytes: 8 * 1024 * 1024, maxCachedFiles: 128 };

export function validateExplorerAssetsOptions(opts: Partial<ExplorerAssetsOptions> = {}): ExplorerAssetsOptions {
  const merged: ExplorerAssetsOptions = { root: join(findPackageRoot(), 'dist', 'explorer'), ...DEFAULTS, ...opts };
  if (typeof merged.root !== 'string' || merged.root === '') throw new InvalidExplorerAssetsOptionsError('root must be a directory path');
  for (const name of ['maxFileBytes', 'maxCachedFiles'] as const) {
    if (!Number.isSafeInteger(merged[name]) || merged[name] < 1) throw new InvalidExplorerAssetsOptionsError(`${name} must be a positive integer, got ${String(merged[name])}`);
  }
  return Object.freeze(merged);
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** One or more path segments of letters, digits, `_`, `-` and `.`, none starting with a dot. */
const SAFE_PATH = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*(?:\/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*$/;
/** esbuild's `[name]-[hash]` names: the content never changes under such a name. */
const HASHED_NAME = /-[A-Z0-9]{8}\.[a-z0-9]+$/;

/** The page's policy: its own scripts, styles and connections only (WS /events is same-origin). */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

interface CachedFile {
  readonly mtimeMs: number;
  readonly size: number;
  readonly body: Buffer;
  readonly etag: string;
}

interface Reply {
  readonly status: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: string | Buffer;
}

/** Mounts `GET /`, `GET /explorer` and `GET /explorer/*` on `app`. Register before the catch-all 404. */
export function mountExplorerAssets(app: TemplatedApp, options: Partial<ExplorerAssetsOptions> = {}): void {
  const assets = new ExplorerAssets(validateExplorerAssetsOptions(options));
  const serve = (res: HttpResponse, req: HttpRequest): void => {
    // Everything the reply needs is read from req now: uWS invalidates it after this call returns.
    const url = req.getUrl();
    const reply = assets.reply(url, req.getHeader('accept-encoding'), req.getHeader('if-none-match'));
    res.cork(() => {
      res.writeStatus(reply.status);
      for (const [name, value] of reply.headers) res.writeHeader(name, value);
      res.end(reply.body);
    });
  };
  app.get('/', serve);
  app.get('/explorer', serve);
  app.get('/explorer/*', serve);
}

/** Answers explorer requests from the files under the root (read synchronously: they are small and cached). */
export class ExplorerAssets {
  private readonly cache = new Map<string, CachedFile>();
  private realRoot: string | undefined;

  constructor(private readonly opts: ExplorerAssetsOptions) {}

  reply(url: string, acceptEncoding: string, ifNoneMatch: string): Reply {
    const rel = url === '/' || url === '/explorer' || url === '/explorer/' ? 'index.html' : url.startsWith('/explorer/') ? url.slice('/explorer/'.length) : undefined;
    if (rel === 'index.html' && !this.file('index.html')) {
      return json('503 Service Unavailable', {
        error: 'explorer_not_built',
        message: `the explorer is not built (${join(this.opts.root, 'index.html')} is missing): run \`npm run build:explorer\` (node scripts/build-explorer.mjs)`,
      });
    }
    if (rel === undefined || !SAFE_PATH.test(rel)) return notFound(url);
    const file = this.file(rel);
    if (!file) return notFound(url);

    const type = CONTENT_TYPES[extname(rel)] ?? 'application/octet-stream';
    const immutable = HASHED_NAME.test(rel);
    const headers: [string, string][] = [
      ['content-type', type],
      ['cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache'],
      ['x-content-type-options', 'nosniff'],
      ['etag', file.etag],
      ['vary', 'accept-encoding'],
    ];
    if (rel.endsWith('.html')) headers.push(['content-security-policy', CSP], ['referrer-policy', 'no-referrer']);
    if (ifNoneMatch !== '' && ifNoneMatch.split(',').some((t) => t.trim() === file.etag)) {
      return { status: '304 Not Modified', headers, body: '' };
    }
    // Pre-compressed copies written by the build, when the client takes them.
    for (const [encoding, suffix] of [['br', '.br'], ['gzip', '.gz']] as const) {
      if (!acceptsEncoding(acceptEncoding, encoding)) continue;
      const compressed = this.file(rel + suffix);
      if (compressed) return { status: '200 OK', headers: [...headers, ['content-encoding', encoding]], body: compressed.body };
    }
    return { status: '200 OK', headers, body: file.body };
  }

  /** A regular file under the root (symlinks resolved and kept inside), from the cache while unchanged. */
  private file(rel: string): CachedFile | undefined {
    const path = join(this.opts.root, ...rel.split('/'));
    let stat;
    try {
      stat = statSync(path);
    } catch {
      return undefined;
    }
    if (!stat.isFile() || stat.size > this.opts.maxFileBytes) return undefined;
    const cached = this.cache.get(rel);
    if (cached && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) return cached;
    try {
      this.realRoot ??= realpathSync(this.opts.root);
      if (!realpathSync(path).startsWith(this.realRoot + sep)) return undefined;
      const body = readFileSync(path);
      const file: CachedFile = { mtimeMs: stat.mtimeMs, size: body.length, body, etag: `W/"${body.length.toString(16)}-${Math.trunc(stat.mtimeMs).toString(16)}"` };
      if (!this.cache.has(rel) && this.cache.size >= this.opts.maxCachedFiles) {
        const oldest = this.cache.keys().next();
        if (!oldest.done) this.cache.delete(oldest.value);
      }
      this.cache.set(rel, file);
      return file;
    } catch {
      // Removed or rebuilt between the stat and the read: the next request sees the new state.
      this.realRoot = undefined;
      return undefined;
    }
  }
}

function acceptsEncoding(header: string, encoding: string): boolean {
  return header.split(',').some((part) => {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    return name === encoding && !params.some((p) => /^\s*q=0(?:\.0*)?\s*$/.test(p));
  });
}

function json(status: string, value: unknown): Reply {
  return { status, headers: [['content-type', 'application/json'], ['cache-control', 'no-store']], body: JSON.stringify(value) };
}

function notFound(url: string): Reply {
  return json('404 Not Found', { error: 'not_found', message: `no explorer asset ${url.slice(0, 200)}` });
}
