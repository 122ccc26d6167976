import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { readNodeDir } from '../pki/pki-files.js';
import { MessageKind } from '../p2p/peer-network.js';
import { NETWORK_ID, startNode, type TestNode, waitFor } from '../p2p/tls/test-helpers/fixtures.js';
import { cdrchain } from '../test-helpers/processes.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

describe('cdrchain ca', () => {
  const tmp = { dir: mkdtempSync(join(tmpdir(), 'cdrchain-ca-')), cleanup: (): void => {} };
  tmp.cleanup = () => rmSync(tmp.dir, { recursive: true, force: true });
  const nodes: TestNode[] = [];
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((n) => n.net.close()));
  });
  afterAll(() => tmp.cleanup());

  it('ca init + ca issue write key files 0600 and certificates the TLS network accepts', async () => {
    const caDir = join(tmp.dir, 'ca');
    const init = await cdrchain('ca', 'init', '--out', caDir, '--name', 'Roaming Consortium', '--days', '30');
    expect(init.code).toBe(0);
    expect(JSON.parse(init.stdout)).toMatchObject({ subject: expect.stringContaining('Roaming Consortium') });
    expect(statSync(join(caDir, 'ca.key.pem')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(caDir, 'ca.cert.pem'), 'utf8')).toMatch(/^-----BEGIN CERTIFICATE-----/);

    const issued: Record<string, string> = {};
    for (const [plmn, role] of [['26201', 'validator'], ['23415', 'validator'], ['52501', 'observer']] as const) {
      const out = join(tmp.dir, `node-${plmn}`);
      const r = await cdrchain('ca', 'issue', '--ca', caDir, '--plmn', plmn, '--role', role, '--days', '7', '--out', out);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ plmn: Number(plmn), role });
      expect(statSync(join(out, 'node.key.pem')).mode & 0o777).toBe(0o600);
      issued[plmn] = out;
    }
    // A second issue into the same directory needs --force.
    const again = await cdrchain('ca', 'issue', '--ca', caDir, '--plmn', '26201', '--days', '7', '--out', issued['26201']!);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('--force');

    const members = [
      { id: 26201, role: 'validator' as const },
      { id: 23415, role: 'validator' as const },
      { id: 52501, role: 'observer' as const },
    ];
    const a = await startNode({ self: 26201, networkId: NETWORK_ID, tls: readNodeDir(issued['26201']!), members });
    nodes.push(a);
    const peers = [{ id: 26201, host: '127.0.0.1', port: a.net.port! }];
    const b = await startNode({ self: 23415, networkId: NETWORK_ID, tls: readNodeDir(issued['23415']!), members, peers });
    nodes.push(b);
    const o = await startNode({ self: 52501, networkId: NETWORK_ID, tls: readNodeDir(issued['52501']!), members, peers });
    nodes.push(o);
    await waitFor('both connected to A', () => a.net.connectedPeers().length === 2 && b.net.connectedPeers().length === 1 && o.net.connectedPeers().length === 1);
    expect(a.net.peerRole(52501)).toBe('observer');
    a.net.broadcast(MessageKind.Block, Buffer.from('block 1'));
    await waitFor('block at B and O', () => [b, o].every((n) => n.received.some((m) => m.payload.toString() === 'block 1')));
  });

  it('exits 2 with a message on bad arguments', async () => {
    const caDir = join(tmp.dir, 'ca2');
    expect((await cdrchain('ca', 'init', '--out', caDir)).code).toBe(0);
    const cases: Array<[string[], RegExp]> = [
      [['ca', 'issue', '--ca', caDir, '--plmn', '123', '--out', join(tmp.dir, 'x')], /not a PLMN id/],
      [['ca', 'issue', '--ca', caDir, '--plmn', '26201', '--role', 'admin', '--out', join(tmp.dir, 'x')], /--role must be validator or observer/],
      [['ca', 'issue', '--ca', caDir, '--plmn', '26201', '--days', '0', '--out', join(tmp.dir, 'x')], /--days must be an integer/],
      [['ca', 'issue', '--ca', join(tmp.dir, 'nowhere'), '--plmn', '26201', '--out', join(tmp.dir, 'x')], /cannot read/],
      [['ca', 'issue', '--ca', caDir, '--plmn', '26201', '--days', '5000', '--out', join(tmp.dir, 'x')], /outlive/],
      [['ca', 'issue', '--ca', caDir, '--plmn', '26201'], /--out/],
      [['ca', 'init', '--out', caDir], /--force/],
    ];
    for (const [args, message] of cases) {
      const r = await cdrchain(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
    expect(() => readNodeDir(join(tmp.dir, 'x'))).toThrow(/cannot read/); // nothing half-written
  });
});
