import { accountActionId, actionId } from '../actions';
import type { AccountCard, CardActions } from '../../deliver/sink';

export interface SlackButton {
  type: 'button';
  text: { type: 'plain_text'; text: string; emoji?: boolean };
  action_id: string;
  value?: string;
  url?: string;
  style?: 'primary' | 'danger';
}

export interface ActionsBlock {
  type: 'actions';
  block_id: string;
  elements: SlackButton[];
}

/** the block_id of a card's buttons: an update after an action finds and drops it by this */
export const ACTIONS_BLOCK_ID = 'mkb-actions';

/** "Open in Misskey" alone, for a card that was acted on. */
export function linkButton(url: string | undefined, label: string): SlackButton | undefined {
  return url && /^https?:\/\//.test(url) ? { type: 'button', text: { type: 'plain_text', text: label }, action_id: 'mkb:open', url } : undefined;
}

/** The Block Kit buttons of an abuse report card. */
export function actionsBlock(actions: CardActions): ActionsBlock {
  const button = (action: 'resolve' | 'forward', style?: 'primary'): SlackButton => ({
    type: 'button',
    text: { type: 'plain_text', text: actions.labels[action] },
    action_id: actionId(action, actions.source, actions.reportId),
    value: actions.reportId,
    ...(style ? { style } : {}),
  });
  const elements = [button('resolve', 'primary')];
  if (actions.remote) elements.push(button('forward'));
  const link = linkButton(actions.url, actions.labels.open);
  if (link) elements.push(link);
  return { type: 'actions', block_id: ACTIONS_BLOCK_ID, elements };
}

/** The Block Kit buttons of a note card (Reply, the reactions) or a follow card (Follow back; Accept, Reject). */
export function accountBlock(card: AccountCard): ActionsBlock {
  const button = (text: string, id: string, style?: 'primary' | 'danger'): SlackButton => ({
    type: 'button',
    text: { type: 'plain_text', text, emoji: true },
    action_id: id,
    ...(style ? { style } : {}),
  });
  const elements: SlackButton[] = [];
  if (card.noteId !== undefined) {
    const noteId = card.noteId;
    if (card.reply) elements.push(button(card.labels.reply, accountActionId('reply', card.source, noteId), 'primary'));
    card.reactions.forEach((reaction, index) => elements.push(button(reaction, accountActionId('react', card.source, noteId, index))));
  }
  if (card.user && !card.user.request) elements.push(button(card.labels.follow, accountActionId('follow', card.source, card.user.id), 'primary'));
  if (card.user?.request) {
    elements.push(button(card.labels.accept, accountActionId('accept', card.source, card.user.id), 'primary'));
    elements.push(button(card.labels.reject, accountActionId('reject', card.source, card.user.id), 'danger'));
  }
  return { type: 'actions', block_id: ACTIONS_BLOCK_ID, elements };
}
