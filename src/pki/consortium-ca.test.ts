import { X509Certificate as NodeX509, createPrivateKey } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createConsortiumCa, issueNodeCertificate, loadConsortiumCa, verifyNodeCertificate } from './consortium-ca.js';
import { CertificateIdentityError, PkiError } from './errors.js';
import { readNodeIdentity } from './node-identity.js';
import { readCaDir, readNodeDir, writeCaDir, writeNodeDir } from './pki-files.js';
import { x509 } from './x509.js';

const dir = mkdtempSync(join(tmpdir(), 'cdrchain-pki-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version']);
    return true;
  } catch {
    return false;
  }
}

describe('consortium PKI', () => {
  it('issues a node certificate that node:crypto (OpenSSL) sees chained to the CA, naming PLMN and role', async () => {
    const ca = await createConsortiumCa({ name: 'Test Consortium' });
    const node = await issueNodeCertificate(ca, { plmn: 26201, role: 'observer', days: 30 });
    const cert = new NodeX509(node.certPem);
    const caCert = new NodeX509(ca.certPem);
    expect(caCert.ca).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.checkIssued(caCert)).toBe(true);
    expect(cert.verify(caCert.publicKey)).toBe(true);
    expect(cert.subject).toContain('CN=26201');
    expect(cert.subject).toContain('OU=observer');
    expect(cert.subjectAltName).toBe('URI:urn:cdrchain:plmn:26201');
    expect(cert.keyUsage).toEqual(expect.arrayContaining(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']));
    expect(createPrivateKey(node.keyPem).asymmetricKeyType).toBe('ed25519');
    expect(cert.publicKey.asymmetricKeyType).toBe('ed25519');
    const days = (new Date(cert.validTo).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThan(30.1);
    expect(readNodeIdentity(node.certPem)).toMatchObject({ plmn: 26201, role: 'observer' });
    expect(await verifyNodeCertificate(node.certPem, ca.certPem)).toMatchObject({ plmn: 26201, role: 'observer' });
  });

  it.skipIf(!hasOpenssl())('openssl verify accepts it for both TLS client and TLS server purposes', async () => {
    const ca = await createConsortiumCa();
    const node = await issueNodeCertificate(ca, { plmn: 310260 });
    const caFile = join(dir, 'v-ca.pem');
    const certFile = join(dir, 'v-node.pem');
    writeFileSync(caFile, ca.certPem);
    writeFileSync(certFile, node.certPem);
    for (const purpose of ['sslclient', 'sslserver']) {
      expect(execFileSync('openssl', ['verify', '-purpose', purpose, '-CAfile', caFile, certFile], { encoding: 'utf8' })).toContain(': OK');
    }
  });

  it('refuses a certificate of another CA and an expired one', async () => {
    const ca = await createConsortiumCa();
    const other = await createConsortiumCa();
    const foreign = await issueNodeCertificate(other, { plmn: 23415 });
    await expect(verifyNodeCertificate(foreign.certPem, ca.certPem)).rejects.toThrow(PkiError);
    const expired = await issueNodeCertificate(ca, { plmn: 23415, notBefore: new Date(Date.now() - 10 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) });
    await expect(verifyNodeCertificate(expired.certPem, ca.certPem)).rejects.toThrow(/not valid/);
  });

  it('refuses to issue bad PLMN ids, validity outside the CA, and reads no identity from a CA or a foreign certificate', async () => {
    const ca = await createConsortiumCa({ days: 10 });
    await expect(issueNodeCertificate(ca, { plmn: 1234 })).rejects.toThrow(PkiError);
    await expect(issueNodeCertificate(ca, { plmn: 26201, days: 11 })).rejects.toThrow(/outlive/);
    expect(() => readNodeIdentity(ca.certPem)).toThrow(CertificateIdentityError);
    expect(() => readNodeIdentity('not a certificate')).toThrow(CertificateIdentityError);
    // Names that disagree: CN says one PLMN, the SAN another.
    const keys = (await globalThis.crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPairLike;
    const forged = await x509.X509CertificateGenerator.createSelfSigned({
      name: 'CN=26201, OU=validator, O=x',
      keys,
      signingAlgorithm: { name: 'Ed25519' },
      extensions: [
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
        new x509.SubjectAlternativeNameExtension([{ type: 'url', value: 'urn:cdrchain:plmn:23415' }]),
      ],
    });
    expect(() => readNodeIdentity(forged)).toThrow(/does not name/);
  });

  it('writes keys 0600, reads the directories back, and a loaded CA issues the same way', async () => {
    const ca = await createConsortiumCa();
    const caDir = join(dir, 'ca');
    writeCaDir(caDir, ca);
    expect(statSync(join(caDir, 'ca.key.pem')).mode & 0o777).toBe(0o600);
    expect(() => writeCaDir(caDir, ca)).toThrow(/--force/);
    const files = readCaDir(caDir);
    const loaded = await loadConsortiumCa(files.certPem, files.keyPem);
    const node = await issueNodeCertificate(loaded, { plmn: 20801 });
    const nodeDir = join(dir, 'n');
    writeNodeDir(nodeDir, node);
    expect(statSync(join(nodeDir, 'node.key.pem')).mode & 0o777).toBe(0o600);
    const creds = readNodeDir(nodeDir);
    expect(creds.ca).toBe(ca.certPem);
    expect(await verifyNodeCertificate(creds.cert, creds.ca)).toMatchObject({ plmn: 20801, role: 'validator' });
    // A CA key that does not match its certificate is refused.
    const other = await createConsortiumCa();
    await expect(loadConsortiumCa(ca.certPem, other.keyPem)).rejects.toThrow(/does not match/);
  });
});

type CryptoKeyPairLike = Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]['keys'];
