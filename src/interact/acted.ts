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
  reply: '↩️ Answered by',
  react: 'reacted by',
  follow: '✅ Followed back by',
  accept: '✅ Follow request accepted by',
  reject: '🚫 Follow request rejected by',
};

const NOT_DONE: Record<AccountRequest['action'], string> = {
  reply: 'Reply not posted',
  react: 'Reaction not added',
  follow: 'Not followed back',
  accept: 'Follow request not accepted',
  reject: 'Follow request not rejected',
};

/** The card's line for an outcome, with the platform's way of naming a user and linking the new note. */
export function describeActed(outcome: AccountOutcome, request: AccountRequest, who: string, link: (url: string) => string): string {
  if (outcome.kind !== 'done') return `⚠️ ${NOT_DONE[request.action]}: ${outcome.reason}`;
  if (request.action === 'react') return `${request.reaction ?? ''} ${DONE.react} ${who}`;
  const note = outcome.noteUrl ? ` · ${link(outcome.noteUrl)}` : '';
  return `${DONE[request.action]} ${who}${note}`;
}
