import type { KeyFile } from '../client/key-file.js';
import { OperatorRequestSigner } from '../client/request-signer.js';
import { CliError, EXIT } from './errors.js';

/**
 * Signs API calls as `plmn` (RFC 9421; a node with `api.auth: signatures` needs it): with the key
 * file's batch key, or the devnet's well-known INSECURE one when no key file is given.
 */
export function requestSigner(keyFile: KeyFile | undefined, plmn: number): OperatorRequestSigner {
  if (keyFile && keyFile.plmn !== plmn) throw new CliError(`the key file is operator ${keyFile.plmn}'s, not ${plmn}'s`, EXIT.usage);
  return keyFile ? OperatorRequestSigner.fromKeyFile(keyFile) : OperatorRequestSigner.devnet(plmn);
}
