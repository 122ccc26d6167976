import { Builder } from 'flatbuffers';
import { Cdr as CdrTable } from './generated/cdrchain/wire/cdr.js';
import { addHash } from './builder.js';

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
