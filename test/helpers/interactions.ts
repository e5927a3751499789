/** Signed interaction requests, as Discord and Slack send them to the bridge. */
import { createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

/** An Ed25519 key pair, with the public key as the Developer Portal shows it (hex). */
export function discordKeys(): { privateKey: KeyObject; publicHex: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const der = publicKey.export({ format: 'der', type: 'spki' });
  return { privateKey, publicHex: der.subarray(der.length - 32).toString('hex') };
}

export const unixNow = () => String(Math.floor(Date.now() / 1000));

export function discordHeaders(privateKey: KeyObject, body: string, timestamp = unixNow()): Record<string, string> {
  const signature = sign(null, Buffer.from(timestamp + body), privateKey).toString('hex');
  return { 'content-type': 'application/json', 'x-signature-ed25519': signature, 'x-signature-timestamp': timestamp };
}

export function slackHeaders(secret: string, body: string, timestamp = unixNow()): Record<string, string> {
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-signature': signature, 'x-slack-request-timestamp': timestamp };
}

export const slackForm = (payload: unknown) => new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
