import { createHmac, createPublicKey, timingSafeEqual, verify, type KeyObject } from 'node:crypto';

/**
 * Signature checks of the interaction endpoints. Both platforms sign the timestamp with the exact
 * body bytes: the body must be verified as received, before any parsing. A request older (or
 * further in the future) than the window is refused, so a captured request cannot be replayed
 * later; within the window the caller refuses an interaction id it has already seen.
 */
export const SIGNATURE_WINDOW_MS = 5 * 60_000;

export type Verified = { ok: true } | { ok: false; reason: string };

/** DER prefix of an Ed25519 SubjectPublicKeyInfo: the raw 32-byte key follows it. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** The Discord application's public key (64 hex characters, as the Developer Portal shows it). */
export function discordPublicKey(hex: string): KeyObject {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new Error('a Discord public key is 64 hex characters');
  return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(hex, 'hex')]), format: 'der', type: 'spki' });
}

function fresh(timestampSeconds: string | undefined, now: number): Verified | undefined {
  if (timestampSeconds === undefined || !/^\d{1,12}$/.test(timestampSeconds)) return { ok: false, reason: 'missing or malformed timestamp' };
  if (Math.abs(now - Number(timestampSeconds) * 1000) > SIGNATURE_WINDOW_MS) return { ok: false, reason: 'timestamp outside the 5-minute window' };
  return undefined;
}

/** Discord: Ed25519 over `timestamp + body`; `X-Signature-Ed25519` (hex), `X-Signature-Timestamp` (unix seconds). */
export function verifyDiscord(key: KeyObject, signature: string | undefined, timestamp: string | undefined, body: Buffer, now: number): Verified {
  if (signature === undefined || !/^[0-9a-fA-F]{128}$/.test(signature)) return { ok: false, reason: 'missing or malformed signature' };
  const stale = fresh(timestamp, now);
  if (stale) return stale;
  const signed = Buffer.concat([Buffer.from(timestamp!, 'utf8'), body]);
  let valid: boolean;
  try {
    valid = verify(null, signed, key, Buffer.from(signature, 'hex'));
  } catch {
    valid = false;
  }
  return valid ? { ok: true } : { ok: false, reason: 'bad signature' };
}

/** Slack: `X-Slack-Signature` = `v0=` + hex HMAC-SHA256(signing secret, `v0:timestamp:body`); `X-Slack-Request-Timestamp` in unix seconds. */
export function verifySlack(secret: string, signature: string | undefined, timestamp: string | undefined, body: Buffer, now: number): Verified {
  if (signature === undefined || !/^v0=[0-9a-f]{64}$/.test(signature)) return { ok: false, reason: 'missing or malformed signature' };
  const stale = fresh(timestamp, now);
  if (stale) return stale;
  const expected = createHmac('sha256', secret).update(`v0:${timestamp!}:`).update(body).digest();
  const given = Buffer.from(signature.slice(3), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected) ? { ok: true } : { ok: false, reason: 'bad signature' };
}
