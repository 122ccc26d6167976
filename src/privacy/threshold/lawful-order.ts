import { toHex } from '../../codec/bytes.js';
import { type BatchContext, CHAIN_ID_BYTES, ascii, concatBytes } from '../context.js';
import { OrderScopeError, PrivacyInputError } from '../errors.js';
import { type Combination, combinePartials } from './combine.js';
import type { HolderShare, LawfulAccessSetup } from './lawful-access-setup.js';
import { LAWFUL_TAG_BYTES, lawfulWrapLabel, openLawfulWrap, verifyLawfulWrap } from './lawful-wrap.js';
import { type DecryptionTarget, type PartialDecryption, partialDecrypt } from './partial-decryption.js';

/**
 * The encryption side of a lawful-access order. Governance (later) decides who may issue an order and
 * records every step on the ledger; here an order is what the share holders need to act on it: an id
 * and the (pair, tag) targets it names, a tag being one subscriber's pseudonym on one day
 * (lawful-tag.ts). A holder releases a partial only for a wrap whose label is one of the order's
 * targets and whose proof verifies under that label, so no set of holders following this code opens
 * a group key the order does not name, and a released partial is bound to the order's id.
 */

export const ORDER_ID_BYTES = 32;
const ORDER_BINDING = ascii('cdrchain:lawful-order:1');

export interface LawfulTarget {
  readonly chainId: Uint8Array;
  readonly submitter: number;
  readonly counterparty: number;
  readonly tag: Uint8Array;
}

export interface LawfulOrder {
  readonly orderId: Uint8Array;
  readonly targets: readonly LawfulTarget[];
}

/** The largest number of (pair, tag) targets one order may name: a subscriber over a year with several networks. */
export const MAX_ORDER_TARGETS = 4096;

export class ValidatedOrder {
  private readonly labels = new Set<string>();

  private constructor(readonly order: LawfulOrder) {
    for (const t of order.targets) this.labels.add(toHex(lawfulWrapLabel(t, t.tag)));
  }

  static of(o: LawfulOrder): ValidatedOrder {
    if (!(o.orderId instanceof Uint8Array) || o.orderId.length !== ORDER_ID_BYTES) throw new PrivacyInputError(`an order id is ${ORDER_ID_BYTES} bytes`);
    if (o.targets.length < 1 || o.targets.length > MAX_ORDER_TARGETS) throw new PrivacyInputError(`an order names 1..${MAX_ORDER_TARGETS} targets`);
    const targets = o.targets.map((t) => {
      if (t.chainId.length !== CHAIN_ID_BYTES || t.tag.length !== LAWFUL_TAG_BYTES) throw new PrivacyInputError('malformed order target');
      return Object.freeze({ chainId: Uint8Array.from(t.chainId), submitter: t.submitter, counterparty: t.counterparty, tag: Uint8Array.from(t.tag) });
    });
    return new ValidatedOrder(Object.freeze({ orderId: Uint8Array.from(o.orderId), targets: Object.freeze(targets) }));
  }

  names(label: Uint8Array): boolean {
    return this.labels.has(toHex(label));
  }
}

/** A wrap someone asks the holders to open, with the pair and tag it claims to belong to. */
export interface WrapRequest {
  readonly pair: Pick<BatchContext, 'chainId' | 'submitter' | 'counterparty'>;
  readonly tag: Uint8Array;
  readonly wrap: Uint8Array;
}

/** Checks the request against the order and the wrap's proof; what both holders and combiner start from. */
export function decryptionTarget(setup: LawfulAccessSetup, order: ValidatedOrder, request: WrapRequest): DecryptionTarget {
  const label = lawfulWrapLabel(request.pair, request.tag);
  if (!order.names(label)) throw new OrderScopeError('the order does not name this wrap');
  const parts = verifyLawfulWrap(setup, label, request.wrap);
  return Object.freeze({ u: parts.u, uBytes: parts.uBytes, binding: concatBytes(ORDER_BINDING, order.order.orderId, label) });
}

/** A share holder's side: a partial decryption for one wrap the order names, or a typed refusal. */
export function releasePartial(setup: LawfulAccessSetup, share: HolderShare, order: ValidatedOrder, request: WrapRequest): PartialDecryption {
  return partialDecrypt(setup, share, decryptionTarget(setup, order, request));
}

/** The combiner's side: verify the partials, combine t of them, open the group key. */
export function openOrderedWrap(
  setup: LawfulAccessSetup,
  order: ValidatedOrder,
  request: WrapRequest,
  partials: readonly PartialDecryption[],
): { readonly groupKey: Uint8Array; readonly combination: Combination } {
  const target = decryptionTarget(setup, order, request);
  const combination = combinePartials(setup, target, partials);
  const groupKey = openLawfulWrap(combination.w, lawfulWrapLabel(request.pair, request.tag), request.wrap);
  return { groupKey, combination };
}
