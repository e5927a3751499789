/**
 * The state of stream sources (a source that reads a Misskey account's streaming API): the
 * cursor it has stored up to, what `status` shows about it, and the single-holder lease that
 * lets exactly one bridge instance read each source.
 */

export interface StreamSourceState {
  source: string;
  /** the newest notification id whose event is stored; backfill starts after it */
  cursor: string | null;
  /** the newest chat message id whose event is stored */
  chatCursor: string | null;
  /** epoch ms: when the current connection was confirmed, null while disconnected */
  connectedSince: number | null;
  /** epoch ms of the last event stored */
  lastEventAt: number | null;
  /** events stored by backfill (not live frames), since the source was first used */
  backfilled: number;
  /** the last failure (token rejected, server unreachable), null while healthy */
  lastError: string | null;
  /** the last outage longer than Misskey keeps notifications: what may have been lost */
  lostGap: string | null;
  /** the instance holding the lease */
  holder: string | null;
}

export type StreamStatusUpdate = Partial<Pick<StreamSourceState, 'connectedSince' | 'lastEventAt' | 'lastError' | 'lostGap'>> & {
  /** added to `backfilled` */
  backfilledMore?: number;
};

export interface StreamStateStore {
  /** the cursor of a kind of id (notifications or chat messages), null before the first event */
  cursor(source: string, kind: CursorKind): Promise<string | null>;
  /** moves the cursor forward to `id`; an older or equal id leaves it as it is */
  setCursor(source: string, kind: CursorKind, id: string, now: number): Promise<void>;
  updateStatus(source: string, update: StreamStatusUpdate): Promise<void>;
  states(): Promise<StreamSourceState[]>;
  /** true when `holder` holds the lease now: it was free, run out, or already its own (renewed) */
  takeLease(source: string, holder: string, now: number, ttlMs: number): Promise<boolean>;
  /** false when the lease is no longer `holder`'s: it must stop reading the source */
  renewLease(source: string, holder: string, now: number, ttlMs: number): Promise<boolean>;
  releaseLease(source: string, holder: string): Promise<void>;
  close(): Promise<void>;
}

export type CursorKind = 'notification' | 'chat';
