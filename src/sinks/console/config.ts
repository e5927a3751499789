import { z } from 'zod';
import { commonSinkFields } from '../common-config';

export const consoleSinkConfig = z
  .object({
    type: z.literal('console'),
    ...commonSinkFields,
    /** where the rendered messages go */
    stream: z.enum(['stdout', 'stderr']).default('stdout'),
  })
  .strict();

export type ConsoleSinkConfig = z.infer<typeof consoleSinkConfig>;
