import { Builder, ByteBuffer } from 'flatbuffers';
import { IngestReply } from './generated/cdrchain/wire/ingest-reply.js';
import { RejectCode } from './generated/cdrchain/wire/reject-code.js';
import { ReplyKind } from './generated/cdrchain/wire/reply-kind.js';
import { addHash } from './builder.js';
import { structBytes } from './read.js';
import { verifyRoot, type TableSpec } from './verify.js';

export { RejectCode, ReplyKind };
export const INGEST_REPLY_FILE_IDENTIFIER = 'CDRI';

export interface IngestReplyFields {
  readonly kind: ReplyKind;
  readonly sequence: bigint;
  readonly batchId: Uint8Array;
  readonly code: RejectCode;
  readonly message: string;
  readonly height: bigint;
}

const REPLY_SPEC: TableSpec = {
  name: 'IngestReply',
  fields: [
    { index: 0, kind: 'scalar', size: 2 },
    { index: 1, kind: 'scalar', size: 1 },
    { index: 2, kind: 'scalar', size: 8 },
    { index: 3, kind: 'struct', size: 32 },
    { index: 4, kind: 'scalar', size: 2 },
    { index: 5, kind: 'string', maxBytes: 4096 },
    { index: 6, kind: 'scalar', size: 8 },
  ],
};

const ZERO_ID = new Uint8Array(32);

export function encodeIngestReply(r: Partial<IngestReplyFields> & { kind: ReplyKind }): Uint8Array {
  const builder = new Builder(128);
  const message = r.message ? builder.createString(r.message) : 0;
  IngestReply.startIngestReply(builder);
  IngestReply.addKind(builder, r.kind);
  IngestReply.addSequence(builder, r.sequence ?? 0n);
  addHash(builder, IngestReply.addBatchId, r.batchId ?? ZERO_ID);
  IngestReply.addCode(builder, r.code ?? RejectCode.None);
  if (message) IngestReply.addMessage(builder, message);
  IngestReply.addHeight(builder, r.height ?? 0n);
  IngestReply.finishIngestReplyBuffer(builder, IngestReply.endIngestReply(builder));
  return builder.asUint8Array();
}

export function decodeIngestReply(bytes: Uint8Array): IngestReplyFields {
  verifyRoot(bytes, REPLY_SPEC, INGEST_REPLY_FILE_IDENTIFIER);
  const bb = new ByteBuffer(bytes);
  const r = IngestReply.getRootAsIngestReply(bb);
  return {
    kind: r.kind(),
    sequence: r.sequence(),
    batchId: structBytes(bb, r.bb_pos, 10).slice(),
    code: r.code(),
    message: r.message() ?? '',
    height: r.height(),
  };
}

/** Stable lower-case names for reject codes: used in metrics labels, JSON errors and CLI output. */
export function rejectCodeName(code: RejectCode): string {
  const name = RejectCode[code];
  return name === undefined ? `code_${code}` : name.replace(/[A-Z]/g, (c, i: number) => (i ? '_' : '') + c.toLowerCase());
}
