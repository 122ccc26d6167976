/** A certificate or key that is not what the consortium PKI issues (wrong shape, wrong names, unreadable). */
export class PkiError extends Error {
  override readonly name: string = 'PkiError';
}

/** A certificate whose names do not identify a consortium node (PLMN id, role, usages). */
export class CertificateIdentityError extends PkiError {
  override readonly name = 'CertificateIdentityError';
}
