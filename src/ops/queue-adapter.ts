import type { AuditEntry } from '../queue/audit';
import type { Job, Queue, StoreRecord } from '../queue/queue';
import type { LanePause, OperatorAction, OpsAuditEntry, OpsStore } from './ops-store';

/** Records read per page of a snapshot. */
const SNAPSHOT_PAGE = 500;

/** The records of one kind in the store's snapshot: the only way the Queue lists waiting jobs and lane pauses. */
async function snapshotOf<K extends StoreRecord['kind']>(queue: Queue, kind: K, now: number): Promise<Extract<StoreRecord, { kind: K }>[]> {
  const found: Extract<StoreRecord, { kind: K }>[] = [];
  for await (const page of queue.snapshot(now, SNAPSHOT_PAGE)) {
    for (const record of page) if (record.kind === kind) found.push(record as Extract<StoreRecord, { kind: K }>);
  }
  return found;
}

/** The operations page's view of the store, over the Queue interface. */
export function opsStoreFromQueue(queue: Queue): OpsStore {
  return {
    stats: () => queue.stats(),
    waitingJobs: async (now): Promise<Job[]> => (await snapshotOf(queue, 'job', now)).map((record) => record.job),
    lanePauses: async (now): Promise<LanePause[]> => (await snapshotOf(queue, 'lane-pause', now)).map(({ lane, until }) => ({ lane, until })),
    pendingHolds: () => queue.pendingHolds(),
    pausedSinks: () => queue.pausedSinks(),
    pauseSink: (sink, now, by) => queue.pauseSink(sink, now, by),
    resumeSink: (sink) => queue.resumeSink(sink),
    deadLetters: (sink) => queue.deadLetters(sink),
    retryDead: (selector, now) => queue.retryDead(selector, now),
    dropDead: (selector) => queue.dropDead(selector),
    findMessage: (key, now) => queue.findMessage(key, now),
    instances: () => queue.instances(),
    auditLog: (limit): Promise<OpsAuditEntry[]> => queue.auditLog(limit),
    // the store's log is typed for moderation from chat; it keeps any entry as JSON, so an
    // operator's action is stored beside them until the audit entry type names it
    recordAction: (action: OperatorAction) => queue.audit(action as unknown as AuditEntry),
  };
}
