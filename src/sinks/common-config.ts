import { z } from 'zod';

/** Keys every sink takes, besides its platform's own. */
export const commonSinkFields = {
  /** `auto` combines a destination's backlog into digest messages; `off` always sends one message per event */
  batch: z.enum(['auto', 'off']).default('auto'),
  /** `on` posts replies in their parent's thread and edits earlier messages in place; `off` always posts new messages */
  threads: z.enum(['on', 'off']).default('on'),
};
