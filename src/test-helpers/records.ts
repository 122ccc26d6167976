import { Operator } from '../client/operator.js';
import { traffic } from './devnet.js';

const operators = new Map<number, Operator>();

/** The devnet operator `plmn`, built once per test process (its Poseidon and keys are not free). */
export function devnetOperator(plmn: number): Operator {
  let op = operators.get(plmn);
  if (!op) operators.set(plmn, (op = Operator.devnet(plmn)));
  return op;
}

let seedCounter = 0;

/** Public records of fresh synthetic CDRs (nullifiers never seen before), seeded `${tag}-N` so failures reproduce. */
export function freshRecords(submitter: number, counterparty: number, count: number, tag: string): Uint8Array {
  return devnetOperator(submitter).publicRecords(traffic(submitter, counterparty, count, `${tag}-${++seedCounter}`));
}
