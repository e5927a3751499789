import type { Message, Platform } from '../render/message';
import type { Logger } from '../observe/logger';
import type { MessageRef } from '../store/messages';

/** What a send came to. Only the queue retries: a sink reports, it never loops. */
export type Verdict =
  | {
      kind: 'delivered';
      ref?: string;
      pace?: Pace;
      message?: MessageRef;
      /** the parent's reference as it is now, when the send changed it (a Discord thread was started from it) */
      answered?: MessageRef;
    }
  | { kind: 'retry'; reason: string; afterMs?: number; rateLimited?: boolean; pace?: Pace }
  | { kind: 'failed'; reason: string; sinkBroken?: boolean };

/** What the platform said of its limit for this destination (rate-limit headers), to pace the lane. */
export interface Pace {
  /** requests left in the current window */
  remaining: number;
  /** when the window resets, in ms from now */
  resetAfterMs: number;
}

export const delivered = (ref?: string, pace?: Pace, message?: MessageRef, answered?: MessageRef): Verdict => ({
  kind: 'delivered',
  ref,
  pace,
  ...(message ? { message } : {}),
  ...(answered ? { answered } : {}),
});

export const retry = (reason: string, afterMs?: number, rateLimited = false): Verdict => ({
  kind: 'retry',
  reason,
  afterMs,
  rateLimited,
});
export const failed = (reason: string, sinkBroken = false): Verdict => ({ kind: 'failed', reason, sinkBroken });

export type SinkHealth = { ok: true } | { ok: false; reason: string };

/** One platform message: usually one event, several when the queue combines a backlog into a digest. */
export interface Delivery {
  /** stable id of the delivery (the first job's id): idempotency keys derive from it */
  key: string;
  messages: Message[];
  /**
   * the message this one answers (a reply's parent), when the sink threads and the parent is known:
   * the sink posts into its thread (or as a reply to it)
   */
  thread?: MessageRef;
  /** a short plain-text name for the parent's conversation (the name of a Discord thread started from it) */
  topic?: string;
  /** the earlier message this one replaces (a resolved report, an edited note): the sink edits it in place */
  edit?: MessageRef;
  /**
   * this message may be replied to or edited later: the sink should answer with its MessageRef even
   * where that costs more (a Discord webhook waits for the message with `?wait=true` only then)
   */
  needsRef?: boolean;
  /** moderation from chat: an abuse report card offers these actions (buttons, or reactions on Matrix) */
  actions?: CardActions;
  /** acting from chat: a note or follow card offers the account's actions */
  account?: AccountCard;
}

/** What a note or follow card lets the sink's actors do for the source's account. */
export interface AccountCard {
  source: string;
  /** the card's note: the reactions (and Reply, when `reply`) act on it */
  noteId?: string;
  reply: boolean;
  /** the sink's reactions, in order */
  reactions: readonly string[];
  /** the user of a followed card (follow back) or a follow-request card (accept, reject) */
  user?: { id: string; request: boolean };
  /** the buttons' words, in the sink's language */
  labels: { reply: string; follow: string; accept: string; reject: string };
}

/** What an abuse report card lets moderators do, and what it is about. */
export interface CardActions {
  source: string;
  reportId: string;
  /** the report's page at Misskey ("Open in Misskey") */
  url?: string;
  /** the reported user is on another server: "Resolve and forward" is offered */
  remote: boolean;
  /** the buttons' (or Matrix hint's) words, in the sink's language */
  labels: CardLabels;
}

export interface CardLabels {
  resolve: string;
  forward: string;
  open: string;
  /** Matrix: which reaction does what */
  hint: string;
}

export interface Sink {
  readonly name: string;
  readonly type: string;
  readonly platform: Platform;
  /** destination key (webhook, channel, room): pacing and ordering hold per lane */
  readonly lane: string;
  /** how many messages one platform message may combine into a digest */
  readonly maxBatch: number;
  /** start-up checks (token, channel, room); throws with an operator-readable message */
  start(): Promise<void>;
  health(): SinkHealth;
  /** the exact request body that `send` would post, for `render` and tests */
  build(delivery: Delivery): unknown;
  send(delivery: Delivery): Promise<Verdict>;
  close(): Promise<void>;
}

export interface SinkDeps {
  logger: Logger;
}
