import { z } from 'zod';
import { duration } from '../shared/fields';

/** The `delivery:` section of the config. */

export const retryPolicy = z
  .object({
    maxAttempts: z.number().int().min(1).default(10),
    maxAge: duration.default(24 * 3_600_000),
    initialBackoff: duration.default(5_000),
    maxBackoff: duration.default(3 * 3_600_000),
    factor: z.number().min(1).default(3),
    /** 0.2 = each wait varies by up to ±20 % */
    jitter: z.number().min(0).max(1).default(0.2),
    /** a job whose send was cut off this often (the bridge died or hung while sending it) goes to the dead letters */
    maxCrashes: z.number().int().min(1).default(3),
  })
  .strict();

/** The `delivery` block: the retry policy, and how long a send may hold its jobs. */
export const deliverySettings = retryPolicy
  .extend({
    /**
     * a leased job goes to another instance after this long without a sign of life from the one
     * sending it; renewed every third of it while the send runs
     */
    leaseTime: duration.refine((ms) => ms >= 1000, 'must be at least 1s').default(15_000),
    /** a job whose message takes longer than this to render goes to the dead letters */
    renderBudget: duration.refine((ms) => ms >= 1, 'must be at least 1ms').default(2_000),
  })
  .strict();

export type RetryPolicy = z.infer<typeof retryPolicy>;
