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
