import type { Command } from 'commander';
import { createConsortiumCa, issueNodeCertificate, loadConsortiumCa } from '../../pki/consortium-ca.js';
import { PkiError } from '../../pki/errors.js';
import { isNodeRole, type NodeRole } from '../../pki/node-identity.js';
import { readCaDir, writeCaDir, writeNodeDir } from '../../pki/pki-files.js';
import { CliError, EXIT, parseIntOption, parsePlmnOption } from '../errors.js';

function parseRole(v: string): NodeRole {
  if (!isNodeRole(v)) throw new CliError(`--role must be validator or observer, got "${v}"`, EXIT.usage);
  return v;
}

/** PKI failures (unreadable CA, files present, validity beyond the CA) are the user's input: exit 2. */
async function asUsage<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (err) {
    if (err instanceof PkiError) throw new CliError(err.message, EXIT.usage);
    throw err;
  }
}

export function registerCa(program: Command): void {
  const ca = program.command('ca').description('the consortium certificate authority: node certificates for P2P over TLS 1.3');
  ca.command('init')
    .description('create the consortium CA (Ed25519): ca.key.pem (mode 0600) and ca.cert.pem in DIR')
    .requiredOption('--out <dir>', 'directory to write')
    .option('--name <name>', 'the consortium name, in the CA subject', 'cdrchain consortium')
    .option('--days <n>', 'validity in days', parseIntOption('days', 1, 36_500), 3650)
    .option('--force', 'overwrite existing CA files')
    .action(async (o: { out: string; name: string; days: number; force?: boolean }) => {
      const made = await asUsage(async () => {
        const authority = await createConsortiumCa({ name: o.name, days: o.days });
        return { authority, files: writeCaDir(o.out, authority, o.force === true) };
      });
      const c = made.authority.certificate;
      process.stdout.write(`${JSON.stringify({ subject: c.subject, notAfter: c.notAfter.toISOString(), ...made.files })}\n`);
    });
  ca.command('issue')
    .description("issue a node certificate (TLS server and client) for a PLMN id: node.key.pem (0600), node.cert.pem and the CA's ca.cert.pem in DIR")
    .requiredOption('--ca <dir>', 'the CA directory (cdrchain ca init)')
    .requiredOption('--plmn <id>', "the node's PLMN id, e.g. 26201", parsePlmnOption)
    .option('--role <role>', 'validator or observer', parseRole, 'validator' as NodeRole)
    .option('--days <n>', 'validity in days', parseIntOption('days', 1, 36_500), 365)
    .requiredOption('--out <dir>', 'directory to write')
    .option('--force', 'overwrite existing node files')
    .action(async (o: { ca: string; plmn: number; role: NodeRole; days: number; out: string; force?: boolean }) => {
      const made = await asUsage(async () => {
        const files = readCaDir(o.ca);
        const authority = await loadConsortiumCa(files.certPem, files.keyPem);
        const node = await issueNodeCertificate(authority, { plmn: o.plmn, role: o.role, days: o.days });
        return { node, files: writeNodeDir(o.out, node, o.force === true) };
      });
      const { node, files } = made;
      process.stdout.write(`${JSON.stringify({ plmn: node.plmn, role: node.role, notAfter: node.notAfter.toISOString(), ...files })}\n`);
    });
}
