import { createHash } from 'node:crypto';
import type { Delivery } from '../../deliver/sink';

/**
 * The Matrix transaction id of a delivery: the same on every retry and after a restart, so the
 * homeserver answers a repeated PUT with the event it already created. The message count is part of
 * it so that a backlog re-batched under the same first job is never mistaken for the earlier event.
 */
export function transactionId(sinkName: string, delivery: Delivery): string {
  const digest = createHash('sha256').update(`${sinkName}\n${delivery.key}\n${delivery.messages.length}`).digest('hex');
  return `mb.${digest.slice(0, 32)}`;
}
