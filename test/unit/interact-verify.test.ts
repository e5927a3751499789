import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { discordPublicKey, verifyDiscord, verifySlack } from '../../src/interact/verify';

const NOW = 1_760_000_000_000;
const TS = String(NOW / 1000);

describe('Discord signatures (Ed25519 over timestamp + body)', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const der = publicKey.export({ format: 'der', type: 'spki' });
  const key = discordPublicKey(der.subarray(der.length - 32).toString('hex'));
  const body = Buffer.from('{"type":1}');
  const signed = (ts = TS, data = body) => sign(null, Buffer.concat([Buffer.from(ts), data]), privateKey).toString('hex');

  it('accepts a valid signature', () => {
    expect(verifyDiscord(key, signed(), TS, body, NOW)).toEqual({ ok: true });
  });
  it('refuses a missing or malformed signature or timestamp', () => {
    expect(verifyDiscord(key, undefined, TS, body, NOW).ok).toBe(false);
    expect(verifyDiscord(key, 'zz', TS, body, NOW).ok).toBe(false);
    expect(verifyDiscord(key, signed(), undefined, body, NOW).ok).toBe(false);
    expect(verifyDiscord(key, signed(), '12.5', body, NOW).ok).toBe(false);
  });
  it('refuses a signature by another key', () => {
    const other = generateKeyPairSync('ed25519').privateKey;
    expect(verifyDiscord(key, sign(null, Buffer.concat([Buffer.from(TS), body]), other).toString('hex'), TS, body, NOW).ok).toBe(false);
  });
  it('refuses an altered body and a timestamp other than the signed one', () => {
    expect(verifyDiscord(key, signed(), TS, Buffer.from('{"type":2}'), NOW).ok).toBe(false);
    expect(verifyDiscord(key, signed(), String(NOW / 1000 + 1), body, NOW).ok).toBe(false);
  });
  it('refuses timestamps more than 5 minutes away, either way', () => {
    const old = String(NOW / 1000 - 301);
    const future = String(NOW / 1000 + 301);
    expect(verifyDiscord(key, signed(old), old, body, NOW)).toEqual({ ok: false, reason: 'timestamp outside the 5-minute window' });
    expect(verifyDiscord(key, signed(future), future, body, NOW).ok).toBe(false);
    const recent = String(NOW / 1000 - 299);
    expect(verifyDiscord(key, signed(recent), recent, body, NOW).ok).toBe(true);
  });
  it('takes only a 64-hex-character public key', () => {
    expect(() => discordPublicKey('abc')).toThrow(/64 hex/);
  });
});

describe('Slack signatures (v0 HMAC-SHA256 of v0:timestamp:body)', () => {
  const secret = 'signing-secret';
  const body = Buffer.from('payload=%7B%7D');
  const signed = (ts = TS, data = body, key = secret) => `v0=${createHmac('sha256', key).update(`v0:${ts}:${data.toString()}`).digest('hex')}`;

  it('accepts a valid signature', () => {
    expect(verifySlack(secret, signed(), TS, body, NOW)).toEqual({ ok: true });
  });
  it('refuses a wrong secret, an altered body, a missing header', () => {
    expect(verifySlack(secret, signed(TS, body, 'other'), TS, body, NOW).ok).toBe(false);
    expect(verifySlack(secret, signed(), TS, Buffer.from('payload=%7B%22a%22%7D'), NOW).ok).toBe(false);
    expect(verifySlack(secret, undefined, TS, body, NOW).ok).toBe(false);
    expect(verifySlack(secret, signed(), undefined, body, NOW).ok).toBe(false);
    expect(verifySlack(secret, signed().replace('v0=', 'v1='), TS, body, NOW).ok).toBe(false);
  });
  it('refuses a timestamp older than 5 minutes', () => {
    const old = String(NOW / 1000 - 301);
    expect(verifySlack(secret, signed(old), old, body, NOW).ok).toBe(false);
  });
});
