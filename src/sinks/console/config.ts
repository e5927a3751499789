import { z } from 'zod';

export const consoleSinkConfig = z
  .object({
    type: z.literal('console'),
    /** where the rendered messages go */
    stream: z.enum(['stdout', 'stderr']).default('stdout'),
  })
  .strict();

export type ConsoleSinkConfig = z.infer<typeof consoleSinkConfig>;
