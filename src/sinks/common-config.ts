import { z } from 'zod';

/** Keys every sink takes, besides its platform's own. */
export const commonSinkFields = {
  /** `auto` combines a destination's backlog into digest messages; `off` always sends one message per event */
  batch: z.enum(['auto', 'off']).default('auto'),
  /** `on` posts a reply in its parent's thread; `off` posts it as a new message (edits in place apply either way) */
  threads: z.enum(['on', 'off']).default('on'),
};
