import { z } from 'zod';
import { localeName, timeZoneName } from '../shared/fields';

/** Keys every sink takes, besides its platform's own. */
export const commonSinkFields = {
  /** `auto` combines a destination's backlog into digest messages; `off` always sends one message per event */
  batch: z.enum(['auto', 'off']).default('auto'),
  /** `on` posts a reply in its parent's thread; `off` posts it as a new message (edits in place apply either way) */
  threads: z.enum(['on', 'off']).default('on'),
  /** the language of this sink's messages (and their dates); default the top-level `locale` */
  locale: localeName.optional(),
  /** the zone of the times in this sink's messages; default the top-level `timezone` */
  timezone: timeZoneName.optional(),
};

/**
 * Moderation from chat: who may act on abuse report cards in this sink (Discord user or role ids,
 * Slack user ids, Matrix user ids). Unset: the sink's cards carry no actions.
 */
export const moderatorsField = z.array(z.string().min(1)).min(1).optional();

/**
 * Acting from chat: who may reply, react and follow back for the source's account from this sink
 * (Discord user or role ids, Slack user ids, Matrix user ids), separate from `moderators`.
 */
export const actorsField = moderatorsField;

/** Acting from chat: the reactions a note card offers, in order (a button each; on Matrix, reaction keys). */
export const DEFAULT_REACTIONS = ['❤️', '👍'];
export const reactionsField = z.array(z.string().min(1).max(32)).min(1).max(5).default(DEFAULT_REACTIONS);
