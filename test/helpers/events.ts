import type { Event, NoteEvent } from '../../src/normalize/event';
import { normalize } from '../../src/normalize/normalize';
import { fixture } from './fixtures';

const base = normalize({ source: 'misskey', payload: fixture('note.basic.json').body, misskeyHost: 'misskey.example' }) as NoteEvent;

/** A normalized `note` event whose note says `text` (the queue stores events, the worker words them). */
export function noteEvent(text: string, id = base.id): NoteEvent {
  return { ...base, id, note: { ...base.note, text } };
}

/** The text of a note event made by noteEvent. */
export function noteText(event: Event): string {
  return 'note' in event ? (event.note?.text ?? '') : '';
}

const followedBase = normalize({ source: 'misskey', payload: fixture('followed.local.json').body, misskeyHost: 'misskey.example' });
const mentionBase = normalize({ source: 'misskey', payload: fixture('mention.local.json').body, misskeyHost: 'misskey.example' });

/** A normalized `followed` event: `@username` followed you. */
export function followedEvent(username: string, id = `follow-${username}`, source = 'misskey'): Event {
  if (followedBase.type !== 'followed') throw new Error('fixture followed.local.json is not a followed event');
  const user = { ...followedBase.user, id: `u-${username}`, username, name: username, rawName: null, acct: `@${username}`, url: `https://misskey.example/@${username}` };
  return { ...followedBase, id, source, user };
}

/** A normalized `mention` event with its own id. */
export function mentionEvent(id: string, source = 'misskey'): Event {
  return { ...mentionBase, id, source };
}
