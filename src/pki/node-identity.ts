import { CertificateIdentityError } from './errors.js';
import { x509 } from './x509.js';

/**
 * How a consortium certificate names a node (docs: README "Consortium PKI"):
 * - subject `CN=<PLMN id>, OU=<role>, O=<consortium>`, role `validator` or `observer`;
 * - a subjectAltName URI `urn:cdrchain:plmn:<PLMN id>` naming the same PLMN id;
 * - extended key usage serverAuth and clientAuth (every node both listens and dials), not a CA.
 * The PLMN id is the peer's identity on the network; the role is what its certificate grants, and the
 * network grants the lesser of it and the role the genesis/state registers for that PLMN id.
 */
export type NodeRole = 'validator' | 'observer';
export const NODE_ROLES: readonly NodeRole[] = Object.freeze(['validator', 'observer']);

export const PLMN_URI_PREFIX = 'urn:cdrchain:plmn:';
const PLMN_RE = /^[2-7][0-9]{4,5}$/;

export interface NodeIdentity {
  readonly plmn: number;
  readonly role: NodeRole;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Hex serial number, for logs. */
  readonly serial: string;
}

export function isPlmnId(v: number): boolean {
  return Number.isSafeInteger(v) && PLMN_RE.test(String(v));
}

export function isNodeRole(v: string): v is NodeRole {
  return v === 'validator' || v === 'observer';
}

function single(values: readonly string[], what: string): string {
  if (values.length !== 1) throw new CertificateIdentityError(`certificate must name exactly one ${what}, found ${values.length}`);
  return values[0]!;
}

/**
 * Reads the node identity a certificate (DER or PEM) states, checking every name agrees. It does not
 * verify the signature or dates: TLS (chain to the consortium CA) or `verifyNodeCertificate` does.
 */
export function readNodeIdentity(cert: Uint8Array | string | x509.X509Certificate): NodeIdentity {
  let c: x509.X509Certificate;
  try {
    c = cert instanceof x509.X509Certificate ? cert : new x509.X509Certificate(cert as Uint8Array | string);
  } catch (err) {
    throw new CertificateIdentityError(`unreadable certificate: ${err instanceof Error ? err.message : String(err)}`);
  }
  const cn = single(c.subjectName.getField('CN'), 'CN');
  if (!PLMN_RE.test(cn)) throw new CertificateIdentityError(`certificate CN "${cn}" is not a PLMN id`);
  const role = single(c.subjectName.getField('OU'), 'OU (role)');
  if (!isNodeRole(role)) throw new CertificateIdentityError(`certificate role (OU) "${role}" is neither validator nor observer`);

  const san = c.getExtension(x509.SubjectAlternativeNameExtension);
  const uris = (san?.names.items ?? []).filter((n) => n.type === 'url').map((n) => n.value);
  const uri = single(uris.filter((u) => u.startsWith(PLMN_URI_PREFIX)), `subjectAltName URI ${PLMN_URI_PREFIX}…`);
  if (uri !== `${PLMN_URI_PREFIX}${cn}`) throw new CertificateIdentityError(`subjectAltName ${uri} does not name the subject's PLMN id ${cn}`);

  const basic = c.getExtension(x509.BasicConstraintsExtension);
  if (basic?.ca) throw new CertificateIdentityError('a CA certificate is not a node certificate');
  const eku = c.getExtension(x509.ExtendedKeyUsageExtension);
  const usages = new Set((eku?.usages ?? []).map(String));
  if (!usages.has(x509.ExtendedKeyUsage.serverAuth) || !usages.has(x509.ExtendedKeyUsage.clientAuth)) {
    throw new CertificateIdentityError('certificate must allow both serverAuth and clientAuth');
  }
  return Object.freeze({ plmn: Number(cn), role, notBefore: c.notBefore, notAfter: c.notAfter, serial: c.serialNumber });
}
