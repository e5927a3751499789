import type { CardActions } from '../../deliver/sink';
import type { MatrixMessageContent } from './content';

/**
 * Moderation from Matrix: a moderator reacts to an abuse report card (✅ resolve, ↗️ resolve and
 * forward). The card names its report in a custom content field, which the reaction listener reads
 * back from the bot's own event.
 */
export const REPORT_FIELD = 'org.misskey-bridge.report';

export interface CardReport {
  source: string;
  id: string;
  /** the reported user is on another server: ↗️ (forward) applies */
  remote: boolean;
}

/** what a card's content carries besides the message */
export type CardContent = MatrixMessageContent & { [REPORT_FIELD]?: CardReport };

/** bytes the hint and the report field may add to a card's content */
export const CARD_EXTRA_BYTES = 512;

export const RESOLVE_KEY = '✅';
export const FORWARD_KEY = '↗️';

export function hintText(remote: boolean): string {
  return remote ? `React ${RESOLVE_KEY} to resolve, ${FORWARD_KEY} to resolve and forward` : `React ${RESOLVE_KEY} to resolve`;
}

const hintPlain = (remote: boolean) => `\n\n${hintText(remote)}`;
const hintHtml = (remote: boolean) => `<p><em>${hintText(remote)}</em></p>`;

/** The card with the hint line and the report it stands for. */
export function withCardActions(content: MatrixMessageContent, actions: CardActions): CardContent {
  return {
    ...content,
    body: content.body + hintPlain(actions.remote),
    formatted_body: content.formatted_body + hintHtml(actions.remote),
    [REPORT_FIELD]: { source: actions.source, id: actions.reportId, remote: actions.remote },
  };
}

/** The card's message without the hint line and the report field (what an edit after an action starts from). */
export function withoutCardActions(content: CardContent): MatrixMessageContent {
  const { [REPORT_FIELD]: report, ...rest } = content;
  const remote = report?.remote ?? false;
  const strip = (text: string, suffix: string) => (text.endsWith(suffix) ? text.slice(0, -suffix.length) : text);
  return { ...rest, body: strip(rest.body, hintPlain(remote)), formatted_body: strip(rest.formatted_body, hintHtml(remote)) };
}

/** The report a card's content names, if it is well formed. */
export function cardReport(content: unknown): CardReport | undefined {
  const field = (content as Record<string, unknown> | null | undefined)?.[REPORT_FIELD] as Record<string, unknown> | undefined;
  if (typeof field !== 'object' || field === null) return undefined;
  const { source, id, remote } = field;
  if (typeof source !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(source)) return undefined;
  if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(id)) return undefined;
  return { source, id, remote: remote === true };
}

/** A reaction key → the action, with or without the emoji variation selector (U+FE0F). */
export function actionOfKey(key: unknown): 'resolve' | 'forward' | undefined {
  if (typeof key !== 'string') return undefined;
  const bare = key.replace(/\uFE0F/g, '');
  if (bare === '✅') return 'resolve';
  if (bare === '↗') return 'forward';
  return undefined;
}
