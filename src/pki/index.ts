export { createConsortiumCa, issueNodeCertificate, loadConsortiumCa, verifyNodeCertificate } from './consortium-ca.js';
export type { ConsortiumCa, CreateCaOptions, IssueOptions, NodeCredentials } from './consortium-ca.js';
export { CertificateIdentityError, PkiError } from './errors.js';
export { isNodeRole, isPlmnId, NODE_ROLES, PLMN_URI_PREFIX, readNodeIdentity } from './node-identity.js';
export type { NodeIdentity, NodeRole } from './node-identity.js';
export { CA_FILES, NODE_FILES, readCaDir, readNodeDir, writeCaDir, writeNodeDir } from './pki-files.js';
export type { TlsCredentials } from './pki-files.js';
