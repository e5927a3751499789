import { actionId } from '../actions';
import type { CardActions } from '../../deliver/sink';

/** A message component: an action row of buttons (Discord component types 1 and 2). */
export interface DiscordActionRow {
  type: 1;
  components: DiscordButton[];
}

export type DiscordButton =
  | { type: 2; style: 1 | 2 | 3 | 4; label: string; custom_id: string; disabled?: boolean }
  | { type: 2; style: 5; label: string; url: string };

const SUCCESS = 3;
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
