import { Builder, ByteBuffer } from 'flatbuffers';
import { Cdr as CdrTable } from './generated/cdrchain/wire/cdr.js';
import { addHash } from './builder.js';
import { structBytes } from './read.js';
import { verifyRoot, type TableSpec } from './verify.js';

/** The private fields of one CDR as the operator keeps (and, with the privacy issue, encrypts) them. */
export interface CdrPayloadFields {
  readonly recordId: string;
  readonly submitter: number;
  readonly counterparty: number;
  readonly pseudonym: Uint8Array;
  readonly service: number;
  readonly startTime: bigint;
  readonly durationSec: number;
  readonly volumeBytes: bigint;
  readonly charge: bigint;
  readonly currency: number;
  readonly tariffId: number;
  readonly eventKey: Uint8Array;
}

/** Encodes a CDR payload; one builder is reused across calls to avoid reallocating. */
export class CdrPayloadEncoder {
  private readonly builder = new Builder(256);

  encode(f: CdrPayloadFields): Uint8Array {
    const b = this.builder;
    b.clear();
    const recordId = b.createString(f.recordId);
    CdrTable.startCdr(b);
    CdrTable.addVersion(b, 1);
    CdrTable.addRecordId(b, recordId);
    CdrTable.addSubmitter(b, f.submitter);
    CdrTable.addCounterparty(b, f.counterparty);
    addHash(b, CdrTable.addPseudonym, f.pseudonym);
    CdrTable.addService(b, f.service);
    CdrTable.addStartTime(b, f.startTime);
    CdrTable.addDurationSec(b, f.durationSec);
    CdrTable.addVolumeBytes(b, f.volumeBytes);
    CdrTable.addCharge(b, f.charge);
    CdrTable.addCurrency(b, f.currency);
    CdrTable.addTariffId(b, f.tariffId);
    addHash(b, CdrTable.addEventKey, f.eventKey);
    CdrTable.finishCdrBuffer(b, CdrTable.endCdr(b));
    return b.asUint8Array();
  }
}

const PAYLOAD_SPEC: TableSpec = {
  name: 'Cdr',
  fields: [
    { index: 0, kind: 'scalar', size: 2 },
    { index: 1, kind: 'string', maxBytes: 256 },
    { index: 2, kind: 'scalar', size: 4 },
    { index: 3, kind: 'scalar', size: 4 },
    { index: 4, kind: 'struct', size: 32 },
    { index: 5, kind: 'scalar', size: 1 },
    { index: 6, kind: 'scalar', size: 8 },
    { index: 7, kind: 'scalar', size: 4 },
    { index: 8, kind: 'scalar', size: 8 },
    { index: 9, kind: 'scalar', size: 8 },
    { index: 10, kind: 'scalar', size: 2 },
    { index: 11, kind: 'scalar', size: 4 },
    { index: 12, kind: 'struct', size: 32 },
  ],
  required: [1, 4, 12],
};

/**
 * Reads a decrypted payload. It authenticated under the submitter's key, but the submitter is the
 * counterparty's adversary in a dispute: the structure is verified like any frame (MalformedFrameError).
 */
export function decodeCdrPayload(bytes: Uint8Array): CdrPayloadFields {
  verifyRoot(bytes, PAYLOAD_SPEC, 'CDRP');
  const bb = new ByteBuffer(bytes);
  const c = CdrTable.getRootAsCdr(bb);
  return {
    recordId: c.recordId() ?? '',
    submitter: c.submitter(),
    counterparty: c.counterparty(),
    pseudonym: Uint8Array.from(structBytes(bb, c.bb_pos, 12)),
    service: c.service(),
    startTime: c.startTime(),
    durationSec: c.durationSec(),
    volumeBytes: c.volumeBytes(),
    charge: c.charge(),
    currency: c.currency(),
    tariffId: c.tariffId(),
    eventKey: Uint8Array.from(structBytes(bb, c.bb_pos, 28)),
  };
}
