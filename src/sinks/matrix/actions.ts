import { MATRIX_HINT, MATRIX_HINT_LOCAL } from '../../interact/actions';
import type { CardActions } from '../sink';
import type { MatrixMessageContent } from './content';

/** the content key naming the report a card stands for, read back when a moderator reacts to it */
export const REPORT_KEY = 'org.misskey_bridge.report';

export type CardContent = MatrixMessageContent & { [REPORT_KEY]?: { source: string; id: string } };

/** An abuse report card on Matrix: reactions act on it, so it says which, and names its report. */
export function withReactionHint(content: MatrixMessageContent, actions: CardActions): CardContent {
  const hint = actions.remote ? MATRIX_HINT : MATRIX_HINT_LOCAL;
  return {
    ...content,
    body: `${content.body}\n\n${hint}`,
    formatted_body: `${content.formatted_body}<p><em>${hint}</em></p>`,
    [REPORT_KEY]: { source: actions.source, id: actions.reportId },
  };
}
