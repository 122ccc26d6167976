import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import uWS from 'uWebSockets.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mountExplorerAssets } from './explorer-assets.js';

/** Sends one raw request line (no client-side path normalisation) and returns status line and body. */
function rawGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
    let data = '';
    s.on('data', (d: Buffer) => (data += d.toString('latin1')));
    s.on('error', reject);
    s.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0);
      resolve({ status, body: data.slice(data.indexOf('\r\n\r\n') + 4) });
    });
  });
}

describe('explorer assets (GET /, GET /explorer/*)', () => {
  const base = mkdtempSync(join(tmpdir(), 'cdrchain-explorer-assets-'));
  const root = join(base, 'explorer');
  let port = 0;
  let socket: uWS.us_listen_socket | undefined;

  beforeAll(async () => {
    const app = uWS.App();
    mountExplorerAssets(app, { root });
    app.any('/*', (res) => {
      res.writeStatus('404 Not Found').end('{"error":"not_found"}');
    });
    await new Promise<void>((resolve, reject) =>
      app.listen('127.0.0.1', 0, (s) => {
        if (!s) return reject(new Error('no listen socket'));
        socket = s;
        port = uWS.us_socket_local_port(s as unknown as uWS.us_socket);
        resolve();
      }),
    );
  });
  afterAll(() => {
    if (socket) uWS.us_listen_socket_close(socket);
    rmSync(base, { recursive: true, force: true });
  });

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`http://127.0.0.1:${port}${path}`, { headers });

  it('answers 503 with the build command while dist/explorer is missing', async () => {
    const res = await get('/');
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: string; message: string };
    expect(body.error).toBe('explorer_not_built');
    expect(body.message).toContain('npm run build:explorer');
  });

  it('serves index.html with its policy, and hashed assets as immutable', async () => {
    mkdirSync(join(root, 'assets'), { recursive: true });
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>x</title>');
    writeFileSync(join(root, 'assets', 'main-ABCD1234.js'), 'console.log(1)');
    writeFileSync(join(root, 'assets', 'main-ABCD1234.js.gz'), gzipSync('console.log(1)'));
    writeFileSync(join(root, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');

    const index = await get('/');
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(index.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await index.text()).toContain('<title>x</title>');
    expect((await get('/explorer/')).status).toBe(200);

    const js = await get('/explorer/assets/main-ABCD1234.js', { 'accept-encoding': 'identity' });
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(js.headers.get('content-encoding')).toBeNull();
    expect(await js.text()).toBe('console.log(1)');
    // fetch asks for gzip and decodes it: the body is the same, the header says how it came.
    const gz = await get('/explorer/assets/main-ABCD1234.js', { 'accept-encoding': 'gzip' });
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(await gz.text()).toBe('console.log(1)');

    const svg = await get('/explorer/favicon.svg');
    expect(svg.headers.get('content-type')).toBe('image/svg+xml');
    expect(svg.headers.get('cache-control')).toBe('no-cache');
  });

  it('revalidates with the ETag', async () => {
    const first = await get('/');
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^W\/"/);
    const again = await get('/', { 'if-none-match': etag });
    expect(again.status).toBe(304);
  });

  it('answers 404 JSON for unknown assets and never leaves the root', async () => {
    writeFileSync(join(base, 'secret.txt'), 'outside');
    writeFileSync(join(root, '.hidden'), 'dot-file');
    symlinkSync(join(base, 'secret.txt'), join(root, 'link.txt'));

    const missing = await get('/explorer/assets/nope.js');
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: string }).error).toBe('not_found');
    for (const path of [
      '/explorer/../secret.txt',
      '/explorer/assets/../../secret.txt',
      '/explorer/%2e%2e/secret.txt',
      '/explorer/..%2fsecret.txt',
      '/explorer//etc/passwd',
      '/explorer/.hidden',
      '/explorer/link.txt',
      '/explorer/assets',
    ]) {
      const r = await rawGet(port, path);
      expect(r.status, path).toBe(404);
      expect(r.body, path).not.toContain('outside');
    }
  });
});
