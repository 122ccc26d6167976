import { sha256 } from '../crypto/hash.js';
import { ascii } from './context.js';
import { PrivacyInputError } from './errors.js';

/**
 * The tag a lawful-access group carries: one subscriber (pseudonym, which already rotates daily and
 * per visited network) on one UTC day, keyed with the pair's agreement secret:
 *
 *   tag = SHA-256("cdrchain:lawful-tag:1" ‖ pair secret ‖ pseudonym ‖ day as u32)
 *
 * Keying matters: validators store the tags with the wraps, and every operator holds the consortium
 * salt, so an unkeyed H(pseudonym, day) would let any operator find where a known IMSI roamed. With the
 * pair secret only the two operators of the pair can compute a tag; for an order one of them turns the
 * judge's (subscriber, days) into tags, and the opened payloads (which carry the pseudonym and start
 * time) show afterwards whether the tags named the right subscriber.
 */

export const DAY_SECONDS = 86_400;
const TAG = ascii('cdrchain:lawful-tag:1');

export function lawfulTag(pairSecret: Uint8Array, pseudonym: Uint8Array, day: number): Uint8Array {
  if (pairSecret.length !== 32) throw new PrivacyInputError('a pair secret is 32 bytes');
  if (pseudonym.length !== 32) throw new PrivacyInputError('a pseudonym is 32 bytes');
  if (!Number.isInteger(day) || day < 0 || day > 0xffff_ffff) throw new PrivacyInputError('day must be a u32 (days since the Unix epoch)');
  const d = new Uint8Array(4);
  new DataView(d.buffer).setUint32(0, day);
  return sha256(TAG, pairSecret, pseudonym, d);
}

/** The UTC day of a start time (unix seconds), as derive.ts rotates pseudonyms. */
export function dayOf(startTimeSec: number): number {
  return Math.floor(startTimeSec / DAY_SECONDS);
}
