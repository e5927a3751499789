import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { normalize } from './normalize';
import type { Event } from './event';

/** Sample payloads shipped with the bridge, one per event type. */
export const SAMPLES = path.resolve(__dirname, '../../samples');

/**
 * Reads a payload file: a webhook body as Misskey posts it, or a recorded request
 * (`{ method, headers, body }`), whose X-Misskey-Host header is used too.
 */
export function readEvent(file: string, source: string): Event {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const recorded = parsed && typeof parsed === 'object' && 'headers' in parsed && 'body' in parsed;
  const headers = (recorded ? parsed.headers : {}) as Record<string, string>;
  return normalize({ source, payload: recorded ? parsed.body : parsed, misskeyHost: headers['x-misskey-host'] });
}

/** Sample events by type. */
export function sampleEvents(source: string): Map<string, Event> {
  const files = readdirSync(SAMPLES).filter((file) => file.endsWith('.json'));
  return new Map(files.map((file) => [file.slice(0, -5), readEvent(path.join(SAMPLES, file), source)]));
}
