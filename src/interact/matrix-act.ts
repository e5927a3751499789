import type { Wording } from '../render/catalog';
import type { CardSubject } from '../sinks/matrix/account-card';
import { NO_KEY, YES_KEY } from '../sinks/matrix/account-card';
import { escapeHtml } from '../sinks/matrix/html';
import type { AccountRequest, Acting } from './act';
import { describeActed } from './acted';

/** A reply or a reaction to one of the bot's note or follow cards, as /sync gave it. */
export interface CardEvent {
  eventId: string;
  sender: string;
  type: 'm.reaction' | 'm.room.message';
  /** m.reaction: its key; m.room.message: its body */
  key?: string;
  body?: string;
}

export interface MatrixActContext {
  sink: string;
  acting: Acting;
  reactions: readonly string[];
  /** posts a notice in reply to the card */
  notice: (content: Record<string, unknown>) => Promise<void>;
  /** the sink's words */
  wording: Wording;
}

const bare = (key: string) => key.replace(/\uFE0F/g, '');

/**
 * Acts on a reply to a note card (the reply's own text, without the quote of the card that
 * clients put before it) or on a reaction to a card; the outcome is posted as a notice in reply to
 * the card. Someone not on the actor list is refused and audited, and nothing is posted.
 */
export async function actOnCard(event: CardEvent, subject: CardSubject, ctx: MatrixActContext): Promise<void> {
  const request = toRequest(event, subject, ctx);
  if (!request) return;
  if (!ctx.acting.allowed(ctx.sink, request.actor)) {
    await ctx.acting.refuse(request);
    return;
  }
  const outcome = await ctx.acting.act(request);
  const text =
    outcome.kind === 'duplicate' || outcome.kind === 'refused'
      ? ctx.wording.text('card.nothingDone', { reason: outcome.reason })
      : describeActed(outcome, request, event.sender, (_text, url) => url, ctx.wording);
  const html = outcome.kind === 'done' && outcome.noteUrl ? escapeHtml(text).replace(escapeHtml(outcome.noteUrl), `<a href="${escapeHtml(outcome.noteUrl)}">${escapeHtml(outcome.noteUrl)}</a>`) : escapeHtml(text);
  await ctx.notice({ msgtype: 'm.notice', body: text, format: 'org.matrix.custom.html', formatted_body: html, 'm.mentions': {} });
}

function toRequest(event: CardEvent, subject: CardSubject, ctx: MatrixActContext): AccountRequest | undefined {
  const base = { platform: 'matrix' as const, sink: ctx.sink, source: subject.source, trigger: event.eventId, actor: { id: event.sender } };
  if (event.type === 'm.room.message') {
    const text = withoutReplyFallback(event.body ?? '');
    if (!subject.noteId || !subject.reply || text.trim() === '') return undefined;
    return { ...base, action: 'reply', subject: subject.noteId, text };
  }
  const key = bare(event.key ?? '');
  if (subject.noteId) {
    const reaction = ctx.reactions.find((r) => bare(r) === key);
    return reaction ? { ...base, action: 'react', subject: subject.noteId, reaction } : undefined;
  }
  if (!subject.user) return undefined;
  if (key === bare(YES_KEY)) return { ...base, action: subject.user.request ? 'accept' : 'follow', subject: subject.user.id };
  if (key === bare(NO_KEY) && subject.user.request) return { ...base, action: 'reject', subject: subject.user.id };
  return undefined;
}

/** Clients put a quote of the replied-to message before a reply's text (`> ` lines, then a blank line). */
export function withoutReplyFallback(body: string): string {
  if (!body.startsWith('> <')) return body;
  const lines = body.split('\n');
  const end = lines.findIndex((line) => !line.startsWith('>'));
  if (end < 0 || lines[end] !== '') return body;
  return lines.slice(end + 1).join('\n');
}
