import type { CardLabels } from '../deliver/sink';
import type { Wording } from '../render/catalog';
import type { ModerationAction } from '../sinks/actions';
import type { ActOutcome } from './moderate';

/** A card's words in its sink's language: the same keys on every platform. */
export function cardLabels(wording: Wording, remote: boolean): CardLabels {
  return {
    resolve: wording.text('card.resolve'),
    forward: wording.text('card.forward'),
    open: wording.text('card.open'),
    hint: wording.text(remote ? 'card.hintRemote' : 'card.hint', { resolveKey: RESOLVE_KEY, forwardKey: FORWARD_KEY }),
  };
}

/** Matrix: the reactions that act on a card. */
export const RESOLVE_KEY = '✅';
export const FORWARD_KEY = '↗️';

/** What a moderator's action came to, as the line the card shows (`who` in the platform's markup). */
export function outcomeLine(wording: Wording, outcome: ActOutcome, action: ModerationAction, who: string): string {
  if (outcome.kind === 'done') return `✅ ${wording.text('card.resolvedBy', { action, moderator: who })}`;
  return `⚠️ ${wording.text('card.notResolved', { reason: outcomeReason(wording, outcome) })}`;
}

/** Why nothing was done, in the reader's words (Misskey's own answer stays as it came). */
export function outcomeReason(wording: Wording, outcome: ActOutcome): string {
  if (outcome.kind === 'refused') return wording.text('card.reasonRefused');
  if (outcome.kind === 'duplicate') return wording.text('card.reasonDuplicate');
  return 'reason' in outcome ? outcome.reason : wording.text('card.unknownError');
}
