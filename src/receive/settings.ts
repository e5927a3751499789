import { z } from 'zod';
import { byteSize, duration } from '../shared/fields';

/** The webhook port, and what one client may hold of it (docs/operations.md, "Limits"). */
export const serverSettings = z
  .object({
    host: z.string().default('0.0.0.0'),
    port: z.coerce.number().int().min(0).max(65535).default(3000),
    bodyLimit: byteSize.default(1024 * 1024),
    /** from connecting to the end of the request's headers */
    headersTimeout: duration.refine((ms) => ms >= 100, 'must be at least 100ms').default(10_000),
    /** from the end of the headers to the end of the body */
    bodyTimeout: duration.refine((ms) => ms >= 100, 'must be at least 100ms').default(10_000),
    /** how long a kept-alive connection may idle between requests */
    keepAliveTimeout: duration.default(65_000),
    /** connections past this many are closed at once */
    maxConnections: z.number().int().min(1).default(256),
    /** `/readyz` and `/metrics` on a port of their own (then not on this one) */
    metrics: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: z.coerce.number().int().min(0).max(65535).default(9464),
      })
      .strict()
      .optional(),
  })
  .strict();

export type ServerSettings = z.infer<typeof serverSettings>;
