import { actionId } from '../actions';
import type { CardActions } from '../../deliver/sink';

export interface SlackButton {
  type: 'button';
  text: { type: 'plain_text'; text: string };
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
