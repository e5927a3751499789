import type { AuditStore, ClaimStore } from './audit';
import type { DeadLetterStore } from './dead-letters';
import type { InstanceStore } from './instances';
import type { JobStore } from './jobs';
import type { MessageStore } from './messages';
import type { MigrationStore } from './migration';
import type { PauseStore } from './pauses';
import type { RecentEvents } from './recent';

/**
 * The durable state between the HTTP answer and the platforms, one interface per concern, so that
 * each caller takes only what it uses. Backends: SQLite (the embedded default, ./sqlite) and Redis
 * (several instances, ./redis).
 */
export interface Store {
  jobs: JobStore;
  deadLetters: DeadLetterStore;
  pauses: PauseStore;
  messages: MessageStore;
  audit: AuditStore;
  claims: ClaimStore;
  instances: InstanceStore;
  recent: RecentEvents;
  migration: MigrationStore;
  /** throws StoreUnavailableError (./errors) when the store cannot take writes */
  ping(): Promise<void>;
  close(): Promise<void>;
}
