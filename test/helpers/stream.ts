import { readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStreamStateStore } from '../../src/store/sqlite/stream';
import { FIXTURES } from './fixtures';

interface Recorded {
  recordedIn: string;
  frame: string;
  raw: Record<string, unknown>;
}

let recorded: Record<string, Recorded> | undefined;

/** One notification (and one chat message) per type, as a real Misskey 2026.5.4 sent them (read once; treat as read-only). */
export function recordedNotifications(): Record<string, Recorded> {
  recorded ??= JSON.parse(readFileSync(path.join(FIXTURES, 'misskey-streaming/recorded-notifications.json'), 'utf8')) as Record<string, Recorded>;
  return recorded;
}

/** A recorded notification's body without its id and time (the fake gives new ones). */
export function notificationBody(type: string): Record<string, unknown> {
  const { id: _id, createdAt: _createdAt, ...body } = recordedNotifications()[type]!.raw;
  return body;
}

/** A mention notification whose note says `marker`. */
export function mentionWith(marker: string): Record<string, unknown> {
  const body = notificationBody('mention');
  return { ...body, note: { ...(body.note as object), text: `@alice ${marker}` } };
}

export function streamState(file: string): SqliteStreamStateStore {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  return new SqliteStreamStateStore(db);
}

/** A stream source on `server` with the test timings: fast retries, checks and silence detection. */
export function streamSourceYaml(server: string, token = '${STREAM_TOKEN}'): string {
  return `{ stream: { server: "${server}", token: "${token}", chat: true, tokenCheck: 500ms, silentAfter: 1500ms, initialBackoff: 50ms, maxBackoff: 300ms, rejectedRetry: 500ms } }`;
}

/**
 * A bridge config reading `alice` from the fake Misskey at `server` into one Matrix room (digests
 * off: one message per mention), on `storage` (a YAML flow map), with `delivery` settings if any.
 */
export function streamToMatrixYaml(options: { server: string; storage: string; delivery?: string; homeserver: string; room: string }): string {
  return `server: { host: 127.0.0.1, port: 0 }
storage: ${options.storage}
${options.delivery ? `delivery: ${options.delivery}\n` : ''}sources:
  alice: ${streamSourceYaml(options.server)}
sinks:
  ops: { type: matrix, homeserver: "${options.homeserver}", accessToken: bot-access-token, room: "${options.room}", batch: off }
routes:
  - { name: mentions, events: [mention], to: [ops] }
`;
}

/** What the room shows, one message body a line. */
export function roomText(matrix: { timeline(room: string): { content: Record<string, unknown> }[] }, room: string): string {
  return matrix.timeline(room).map((event) => String(event.content.body)).join('\n');
}

/** How often each marker appears in `text`. */
export function occurrences(text: string, markers: string[]): Map<string, number> {
  return new Map(markers.map((marker) => [marker, text.split(marker).length - 1]));
}
