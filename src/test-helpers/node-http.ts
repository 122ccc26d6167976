import type { CdrNode } from '../node/node.js';

/**
 * What the in-process multi-validator tests ask of their nodes: wait for a condition, read a JSON
 * endpoint, post a frame. One copy, so a change of timeout or error message reaches them all.
 */

/** Polls `cond` every 50 ms until it holds; throws naming `what` after `timeoutMs`. */
export async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The JSON body of `GET path` on `node`. */
export async function getJson(node: CdrNode, path: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${node.url}${path}`);
  return (await res.json()) as Record<string, unknown>;
}

/** `POST path` with a binary frame; the response's status (its body read and dropped). */
export async function postFrame(node: CdrNode, path: string, frame: Uint8Array): Promise<number> {
  const res = await fetch(`${node.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: frame });
  await res.arrayBuffer();
  return res.status;
}
