import type { AccountCard } from '../../deliver/sink';
import { CARD_EXTRA_BYTES, type CardContent } from './actions';
import { escapeHtml } from './html';

/**
 * Acting from Matrix: an actor replies to a note card (`m.in_reply_to`) to answer the note, or
 * reacts to it with one of the sink's reactions; on a follow card ✅ follows back (or accepts a
 * request) and ❌ rejects a request. The card names what it is about in a custom content field,
 * which the listener reads back from the bot's own event.
 */
export const ACCOUNT_FIELD = 'org.misskey-bridge.account';

export interface CardSubject {
  source: string;
  /** the note replied to or reacted to */
  noteId?: string;
  reply: boolean;
  /** the user to follow back, or whose request to answer */
  user?: { id: string; request: boolean };
}

export const YES_KEY = '✅';
export const NO_KEY = '❌';

/** the account field with its hint line fits in what a report card may add */
export const ACCOUNT_EXTRA_BYTES = CARD_EXTRA_BYTES;

function hint(card: AccountCard): string {
  const parts: string[] = [];
  if (card.noteId !== undefined && card.reply) parts.push('Reply to this message to answer the note');
  if (card.noteId !== undefined && card.reactions.length > 0) parts.push(`react ${card.reactions.join(' ')} to react at Misskey`);
  if (card.user && !card.user.request) parts.push(`React ${YES_KEY} to follow back`);
  if (card.user?.request) parts.push(`React ${YES_KEY} to accept, ${NO_KEY} to reject`);
  return parts.join('; ');
}

/** The card with its hint line and what it is about. */
export function withAccountCard<T extends CardContent>(content: T, card: AccountCard): T {
  const line = hint(card);
  const subject: CardSubject = {
    source: card.source,
    reply: card.reply,
    ...(card.noteId !== undefined ? { noteId: card.noteId } : {}),
    ...(card.user ? { user: card.user } : {}),
  };
  return {
    ...content,
    ...(line ? { body: `${content.body}\n\n${line}`, formatted_body: `${content.formatted_body}<p><em>${escapeHtml(line)}</em></p>` } : {}),
    [ACCOUNT_FIELD]: subject,
  };
}

const SOURCE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const ID = /^[A-Za-z0-9_-]{1,64}$/;

/** What a card's content says it is about, if it is well formed. */
export function cardSubject(content: unknown): CardSubject | undefined {
  const field = (content as Record<string, unknown> | null | undefined)?.[ACCOUNT_FIELD] as Record<string, unknown> | undefined;
  if (typeof field !== 'object' || field === null) return undefined;
  const { source, noteId, reply, user } = field as { source?: unknown; noteId?: unknown; reply?: unknown; user?: { id?: unknown; request?: unknown } };
  if (typeof source !== 'string' || !SOURCE.test(source)) return undefined;
  const note = typeof noteId === 'string' && ID.test(noteId) ? noteId : undefined;
  const who = typeof user?.id === 'string' && ID.test(user.id) ? { id: user.id, request: user.request === true } : undefined;
  if (!note && !who) return undefined;
  return { source, reply: reply === true && note !== undefined, ...(note ? { noteId: note } : {}), ...(who ? { user: who } : {}) };
}
