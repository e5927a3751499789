import { accountActionId, actionId } from '../actions';
import type { AccountCard, CardActions } from '../../deliver/sink';

/** A message component: an action row of buttons (Discord component types 1 and 2). */
export interface DiscordActionRow {
  type: 1;
  components: DiscordButton[];
}

export type DiscordButton =
  | { type: 2; style: 1 | 2 | 3 | 4; label: string; custom_id: string; disabled?: boolean }
  | { type: 2; style: 5; label: string; url: string };

const PRIMARY = 1;
const SUCCESS = 3;
const DANGER = 4;
const SECONDARY = 2;
const LINK = 5;

/** "Open in Misskey" only, for a card that was acted on. */
export function linkRow(url: string | undefined, label: string): DiscordActionRow[] {
  return url && /^https?:\/\//.test(url) ? [{ type: 1, components: [{ type: 2, style: LINK, label, url }] }] : [];
}

/** The buttons of an abuse report card (bot mode: only an application's messages carry interactive components). */
export function actionRows(actions: CardActions): DiscordActionRow[] {
  const buttons: DiscordButton[] = [
    { type: 2, style: SUCCESS, label: actions.labels.resolve, custom_id: actionId('resolve', actions.source, actions.reportId) },
  ];
  if (actions.remote) buttons.push({ type: 2, style: SECONDARY, label: actions.labels.forward, custom_id: actionId('forward', actions.source, actions.reportId) });
  const link = linkRow(actions.url, actions.labels.open)[0]?.components ?? [];
  return [{ type: 1, components: [...buttons, ...link] }];
}

/** The buttons of a note card (Reply, the reactions) or a follow card (Follow back; Accept, Reject). */
export function accountRows(card: AccountCard): DiscordActionRow[] {
  const buttons: DiscordButton[] = [];
  if (card.noteId !== undefined) {
    const noteId = card.noteId;
    if (card.reply) buttons.push({ type: 2, style: PRIMARY, label: card.labels.reply, custom_id: accountActionId('reply', card.source, noteId) });
    card.reactions.forEach((reaction, index) =>
      buttons.push({ type: 2, style: SECONDARY, label: reaction, custom_id: accountActionId('react', card.source, noteId, index) }),
    );
  }
  if (card.user && !card.user.request) {
    buttons.push({ type: 2, style: PRIMARY, label: card.labels.follow, custom_id: accountActionId('follow', card.source, card.user.id) });
  }
  if (card.user?.request) {
    buttons.push({ type: 2, style: SUCCESS, label: card.labels.accept, custom_id: accountActionId('accept', card.source, card.user.id) });
    buttons.push({ type: 2, style: DANGER, label: card.labels.reject, custom_id: accountActionId('reject', card.source, card.user.id) });
  }
  // a row holds five buttons
  return buttons.length > 0 ? [{ type: 1, components: buttons.slice(0, 5) }] : [];
}
