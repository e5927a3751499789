import type { Wording } from '../render/catalog';
import type { AccountOutcome, AccountRequest } from './act';

/** Who acted, as the platform says. */
export interface Actor {
  id: string;
  name?: string;
  roles?: readonly string[];
}

/** Misskey's limit for a note's text */
export const REPLY_MAX = 3000;

const DONE: Record<AccountRequest['action'], string> = {
  reply: 'act.done.reply',
  react: 'act.done.react',
  follow: 'act.done.follow',
  accept: 'act.done.accept',
  reject: 'act.done.reject',
};

const NOT_DONE: Record<AccountRequest['action'], string> = {
  reply: 'act.notDone.reply',
  react: 'act.notDone.react',
  follow: 'act.notDone.follow',
  accept: 'act.notDone.accept',
  reject: 'act.notDone.reject',
};

/**
 * The card's line for an outcome, in the sink's words, with the platform's way of naming a user
 * and of linking the new note (`link(text, url)`). Misskey's own reasons stay as they are.
 */
export function describeActed(outcome: AccountOutcome, request: AccountRequest, who: string, link: (text: string, url: string) => string, wording: Wording): string {
  if (outcome.kind !== 'done') return `⚠️ ${wording.text(NOT_DONE[request.action])}: ${outcome.reason}`;
  if (request.action === 'react') return wording.text(DONE.react, { reaction: request.reaction ?? '', who });
  const note = outcome.noteUrl ? ` · ${link(wording.text('act.theReply'), outcome.noteUrl)}` : '';
  return `${wording.text(DONE[request.action], { who })}${note}`;
}
