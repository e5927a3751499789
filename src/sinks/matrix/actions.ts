import { escapeHtml } from './html';
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
  /** the hint line the card carries, in its sink's language (taken out again after an action) */
  hint?: string;
}

/** what a card's content carries besides the message */
export type CardContent = MatrixMessageContent & { [REPORT_FIELD]?: CardReport };

/** bytes the hint and the report field may add to a card's content */
export const CARD_EXTRA_BYTES = 512;

const hintPlain = (hint: string) => `\n\n${hint}`;
const hintHtml = (hint: string) => `<p><em>${escapeHtml(hint)}</em></p>`;

/** The card with the hint line and the report it stands for. */
export function withCardActions(content: MatrixMessageContent, actions: CardActions): CardContent {
  return {
    ...content,
    body: content.body + hintPlain(actions.labels.hint),
    formatted_body: content.formatted_body + hintHtml(actions.labels.hint),
    [REPORT_FIELD]: { source: actions.source, id: actions.reportId, remote: actions.remote, hint: actions.labels.hint },
  };
}

/** The card's message without the hint line and the report field (what an edit after an action starts from). */
export function withoutCardActions(content: CardContent): MatrixMessageContent {
  const { [REPORT_FIELD]: report, ...rest } = content;
  // cards posted before the hint was worded per sink carry none: theirs was the English one
  const hint = report?.hint ?? (report?.remote ? 'React ✅ to resolve, ↗️ to resolve and forward' : 'React ✅ to resolve');
  const strip = (text: string, suffix: string) => (text.endsWith(suffix) ? text.slice(0, -suffix.length) : text);
  return { ...rest, body: strip(rest.body, hintPlain(hint)), formatted_body: strip(rest.formatted_body, hintHtml(hint)) };
}

/** The report a card's content names, if it is well formed. */
export function cardReport(content: unknown): CardReport | undefined {
  const field = (content as Record<string, unknown> | null | undefined)?.[REPORT_FIELD] as Record<string, unknown> | undefined;
  if (typeof field !== 'object' || field === null) return undefined;
  const { source, id, remote, hint } = field;
  if (typeof source !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(source)) return undefined;
  if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(id)) return undefined;
  return { source, id, remote: remote === true, ...(typeof hint === 'string' ? { hint } : {}) };
}

/** A reaction key → the action, with or without the emoji variation selector (U+FE0F). */
export function actionOfKey(key: unknown): 'resolve' | 'forward' | undefined {
  if (typeof key !== 'string') return undefined;
  const bare = key.replace(/\uFE0F/g, '');
  if (bare === '✅') return 'resolve';
  if (bare === '↗') return 'forward';
  return undefined;
}
