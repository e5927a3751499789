import type { DeadLetter } from './dead-letters';
import type { Job } from './jobs';
import type { MessageKey, MessageRef } from './messages';
import type { SinkPause } from './pauses';

/** One entry of a store's durable state (`migrate`). */
export type StoreRecord =
  | { kind: 'sink-pause'; pause: SinkPause }
  | { kind: 'lane-pause'; lane: string; until: number }
  | { kind: 'message'; key: MessageKey; ref: MessageRef; expiresAt: number }
  | { kind: 'seen'; source: string; eventId: string; seenAt: number }
  | { kind: 'dead'; letter: DeadLetter }
  | { kind: 'job'; job: Job };

export type StoreRecordKind = StoreRecord['kind'];

/** The kinds in the order snapshot gives them: holds first, so that no copied job goes out before its pause. */
export const STORE_RECORD_KINDS: readonly StoreRecordKind[] = ['sink-pause', 'lane-pause', 'message', 'seen', 'dead', 'job'];

/** Moving to another store (`migrate`): the durable state read out of one store, written into another. */
export interface MigrationStore {
  /**
   * The store's durable state, in pages of at most `pageSize` records of one kind, in this order:
   * sink pauses, lane pauses in force at `now`, message map entries and seen events not expired at
   * `now`, dead letters in the order they died, then waiting jobs (each lane's in FIFO order, leased
   * ones as they would be once their lease ends, their group kept). Each page is read at once; the
   * whole is a picture of one moment only while nothing else writes to the store.
   */
  snapshot(now: number, pageSize: number): AsyncIterable<StoreRecord[]>;
  /**
   * Writes the records the store lacks, in order, and skips the others; for each record, whether it
   * was written. A job is appended behind its lane's waiting jobs, not leased, unless the store holds
   * a job or a dead letter of that id (so is a dead letter); a seen event, a message entry or a sink
   * pause unless the store has one for its key; a lane pause extends a shorter one. Seen events and
   * message entries expire as they would have in the store they came from.
   */
  restore(records: StoreRecord[], now: number): Promise<boolean[]>;
}
