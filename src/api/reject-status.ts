import { RejectCode } from '../codec/ingest-reply.js';

/** The HTTP status for each reject reason (POST /cdr, POST /tx). */
export function httpStatusFor(code: RejectCode): number {
  switch (code) {
    case RejectCode.Malformed:
    case RejectCode.UnsupportedVersion:
      return 400;
    case RejectCode.BadSignature:
      return 401;
    case RejectCode.UnknownOperator:
    case RejectCode.NotParty:
    case RejectCode.NotAParty:
      return 403;
    case RejectCode.Replay:
    case RejectCode.DuplicateRecord:
    case RejectCode.VerdictConflict:
    case RejectCode.AlreadyNetted:
    case RejectCode.DuplicateStatement:
    case RejectCode.AlreadySettled:
    case RejectCode.ProposalPending:
    case RejectCode.NoProposal:
    case RejectCode.DuplicateApproval:
    case RejectCode.DuplicateDisclosure:
      return 409;
    case RejectCode.TooLarge:
      return 413;
    case RejectCode.BadMerkleRoot:
    case RejectCode.BadRecordsDigest:
    case RejectCode.OutOfRange:
    case RejectCode.BadSealedSection:
    case RejectCode.BadPayloadHash:
    case RejectCode.SealedRequired:
    case RejectCode.UnknownCircuit:
    case RejectCode.BadProof:
    case RejectCode.CountsMismatch:
    case RejectCode.PeriodClosed:
    case RejectCode.BadCommitment:
    case RejectCode.PeriodNotEnded:
    case RejectCode.RateMoveTooLarge:
    case RejectCode.BadRate:
    case RejectCode.PeriodOpen:
    case RejectCode.ProposalExpired:
    case RejectCode.BadNettingInput:
    case RejectCode.WrongMode:
    case RejectCode.BadAmount:
    case RejectCode.BadOpening:
    case RejectCode.NoSettlementBank:
    case RejectCode.MissingLinkProof:
    case RejectCode.BadLinkProof:
      return 422;
    case RejectCode.UnknownBatch:
      return 404;
    case RejectCode.Busy:
    case RejectCode.StorageFull:
      return 503;
    default:
      return 500;
  }
}
