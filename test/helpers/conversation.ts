/** Webhook bodies for conversations: a note, replies to it, an abuse report and its resolution, edits. */
import { fixture } from './fixtures';

type Body = Record<string, unknown>;
type NoteJson = Record<string, unknown> & { id: string; text: string | null };

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
let counter = 0;
const eventId = (kind: string) => `conv-${kind}-${Date.now()}-${++counter}`;

const baseNote = (): NoteJson => clone((fixture('note.basic.json').body as { body: { note: NoteJson } }).body.note);

/** A note with this id and text; with `replyTo`, a reply to that note (Misskey packs the parent without detail). */
export function noteJson(id: string, text: string, replyTo?: NoteJson): NoteJson {
  const note = { ...baseNote(), id, text, cw: null, files: [], fileIds: [] } as NoteJson;
  if (replyTo) {
    const { reply: _reply, renote: _renote, ...parent } = replyTo;
    Object.assign(note, { replyId: replyTo.id, reply: parent });
  }
  return note;
}

/** A user event (`note`, `reply`, `mention`, or a fork's `edited`…) carrying the note. */
export function noteBody(type: string, note: NoteJson): Body {
  const envelope = clone(fixture('note.basic.json').body);
  return { ...envelope, eventId: eventId(type), type, body: { note } };
}

/** `abuseReport`, or with `resolved` its `abuseReportResolved`, for report `id`. */
export function reportBody(id: string, resolved?: { resolvedAs: 'accept' | 'reject'; forwarded?: boolean }): Body {
  const envelope = clone(fixture('abuseReport.json').body);
  const report: Record<string, unknown> = { ...(envelope.body as Record<string, unknown>), id };
  if (resolved) {
    const assignee = clone(report.reporter as Record<string, unknown>);
    Object.assign(assignee, { id: 'mod1', username: 'mod', name: 'Moderator' });
    Object.assign(report, { resolved: true, resolvedAs: resolved.resolvedAs, forwarded: resolved.forwarded ?? false, assigneeId: 'mod1', assignee });
  }
  return { ...envelope, eventId: eventId(resolved ? 'resolved' : 'report'), type: resolved ? 'abuseReportResolved' : 'abuseReport', body: report };
}

/** A root note and a chain of `length` replies, each answering the one before. */
export function replyChain(prefix: string, length: number): { root: NoteJson; replies: NoteJson[] } {
  const root = noteJson(`${prefix}root`, 'root of the thread');
  const replies: NoteJson[] = [];
  let parent = root;
  for (let i = 1; i <= length; i++) {
    parent = noteJson(`${prefix}r${i}`, `reply number ${i}`, parent);
    replies.push(parent);
  }
  return { root, replies };
}
