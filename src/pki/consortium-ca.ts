import { randomBytes, webcrypto } from 'node:crypto';
import { PkiError } from './errors.js';
import { isPlmnId, type NodeRole, PLMN_URI_PREFIX, readNodeIdentity } from './node-identity.js';
import { x509 } from './x509.js';

type CryptoKey = webcrypto.CryptoKey;

/**
 * Keys are Ed25519 (RFC 8410 certificates): OpenSSL 3 (Node 20) accepts them for both ends of a
 * TLS 1.3 handshake, and they are what the node already uses for batch signatures.
 */
const ALG = { name: 'Ed25519' } as const;
const DAY_MS = 86_400_000;
/** Back-dating absorbs small clock differences between the CA's machine and the nodes'. */
const BACKDATE_MS = 5 * 60_000;

export interface ConsortiumCa {
  readonly certificate: x509.X509Certificate;
  readonly certPem: string;
  readonly keyPem: string;
  readonly privateKey: CryptoKey;
}

export interface NodeCredentials {
  readonly plmn: number;
  readonly role: NodeRole;
  /** The node's certificate (PEM). */
  readonly certPem: string;
  /** The node's PKCS#8 private key (PEM): keep it 0600. */
  readonly keyPem: string;
  /** The consortium CA's certificate (PEM), which every peer trusts. */
  readonly caPem: string;
  readonly notAfter: Date;
}

export interface CreateCaOptions {
  /** The consortium's name, in the CA's subject (O). */
  readonly name?: string;
  readonly days?: number;
  readonly now?: Date;
}

export interface IssueOptions {
  readonly plmn: number;
  readonly role?: NodeRole;
  /** Validity from now (default 365); ignored when notAfter is given. */
  readonly days?: number;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  readonly now?: Date;
}

function serialNumber(): string {
  const b = randomBytes(16);
  b[0] = (b[0]! & 0x7f) | 0x01; // positive and of fixed length (RFC 5280: at most 20 octets)
  return b.toString('hex');
}

function checkDays(days: number): void {
  if (!Number.isInteger(days) || days < 1 || days > 36_500) throw new PkiError(`validity must be 1..36500 days, got ${days}`);
}

function dnValue(v: string): string {
  if (!/^[A-Za-z0-9 ._-]{1,64}$/.test(v)) throw new PkiError(`"${v}" is not a usable name (letters, digits, space . _ -, at most 64)`);
  return v;
}

async function exportKeyPem(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

export async function createConsortiumCa(o: CreateCaOptions = {}): Promise<ConsortiumCa> {
  const days = o.days ?? 3650;
  checkDays(days);
  const name = dnValue(o.name ?? 'cdrchain consortium');
  const now = (o.now ?? new Date()).getTime();
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: `CN=${name} CA, O=${name}`,
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(now + days * DAY_MS),
    keys,
    signingAlgorithm: ALG,
    extensions: [
      // pathLength 0: the CA issues node certificates only, never another CA.
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return Object.freeze({ certificate, certPem: certificate.toString('pem'), keyPem: await exportKeyPem(keys.privateKey), privateKey: keys.privateKey });
}

/** A CA from its PEM files: it must be a CA certificate whose public key matches the private key. */
export async function loadConsortiumCa(certPem: string, keyPem: string): Promise<ConsortiumCa> {
  let certificate: x509.X509Certificate;
  let privateKey: CryptoKey;
  try {
    certificate = new x509.X509Certificate(certPem);
    privateKey = await webcrypto.subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(keyPem), ALG, true, ['sign']);
  } catch (err) {
    throw new PkiError(`not a consortium CA (Ed25519 certificate and PKCS#8 key): ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!certificate.getExtension(x509.BasicConstraintsExtension)?.ca) throw new PkiError('the certificate is not a CA certificate');
  const probe = new Uint8Array(32);
  const sig = await webcrypto.subtle.sign(ALG, privateKey, probe);
  const publicKey = await certificate.publicKey.export(ALG, ['verify']);
  if (!(await webcrypto.subtle.verify(ALG, publicKey, sig, probe))) throw new PkiError("the CA's private key does not match its certificate");
  return Object.freeze({ certificate, certPem, keyPem, privateKey });
}

/** A node certificate for `plmn`, signed by the CA, usable as TLS server and client certificate. */
export async function issueNodeCertificate(ca: ConsortiumCa, o: IssueOptions): Promise<NodeCredentials> {
  if (!isPlmnId(o.plmn)) throw new PkiError(`${o.plmn} is not a PLMN id`);
  const role = o.role ?? 'validator';
  const now = (o.now ?? new Date()).getTime();
  const notBefore = o.notBefore ?? new Date(now - BACKDATE_MS);
  let notAfter = o.notAfter;
  if (!notAfter) {
    const days = o.days ?? 365;
    checkDays(days);
    notAfter = new Date(now + days * DAY_MS);
  }
  if (notAfter.getTime() <= notBefore.getTime()) throw new PkiError('notAfter must be after notBefore');
  if (notAfter.getTime() > ca.certificate.notAfter.getTime()) throw new PkiError(`the certificate would outlive its CA (CA valid until ${ca.certificate.notAfter.toISOString()})`);
  const org = ca.certificate.subjectName.getField('O')[0] ?? 'cdrchain consortium';

  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: `CN=${o.plmn}, OU=${role}, O=${dnValue(org)}`,
    issuer: ca.certificate.subject,
    notBefore,
    notAfter,
    publicKey: keys.publicKey,
    signingKey: ca.privateKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension([{ type: 'url', value: `${PLMN_URI_PREFIX}${o.plmn}` }]),
      await x509.AuthorityKeyIdentifierExtension.create(ca.certificate.publicKey),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  readNodeIdentity(certificate); // what we issue, we can read back
  return Object.freeze({
    plmn: o.plmn,
    role,
    certPem: certificate.toString('pem'),
    keyPem: await exportKeyPem(keys.privateKey),
    caPem: ca.certPem,
    notAfter,
  });
}

/** Checks a node certificate against the CA (signature, issuer, dates at `now`) and returns its identity. */
export async function verifyNodeCertificate(certPem: string, caPem: string, now: Date = new Date()): Promise<ReturnType<typeof readNodeIdentity>> {
  const cert = new x509.X509Certificate(certPem);
  const ca = new x509.X509Certificate(caPem);
  const ok = await cert.verify({ publicKey: ca.publicKey, date: now, signatureOnly: false });
  if (!ok) throw new PkiError(`certificate ${cert.serialNumber} is not valid under this CA at ${now.toISOString()}`);
  return readNodeIdentity(cert);
}
