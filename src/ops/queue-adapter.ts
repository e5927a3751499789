import type { AuditEntry } from '../queue/audit';
import type { Job, Queue, StoreRecord } from '../queue/queue';
import type { LanePause, OperatorAction, OpsAuditEntry, OpsStore } from './ops-store';

/** Records read per page of a snapshot. */
const SNAPSHOT_PAGE = 500;
/**
 * The Queue lists waiting jobs and lane pauses only in its snapshot, which reads the whole store
 * (the duplicate window and the message map too): one reading serves every call for this long.
 */
const SNAPSHOT_FRESH_MS = 1000;

interface Waiting {
  at: number;
  jobs: Job[];
  lanePauses: LanePause[];
}

async function readWaiting(queue: Queue, now: number): Promise<Waiting> {
  const waiting: Waiting = { at: now, jobs: [], lanePauses: [] };
  for await (const page of queue.snapshot(now, SNAPSHOT_PAGE)) {
    for (const record of page as StoreRecord[]) {
      if (record.kind === 'job') waiting.jobs.push(record.job);
      else if (record.kind === 'lane-pause') waiting.lanePauses.push({ lane: record.lane, until: record.until });
    }
  }
  return waiting;
}

/** The operations page's view of the store, over the Queue interface. */
export function opsStoreFromQueue(queue: Queue): OpsStore {
  let last: Promise<Waiting> | undefined;
  const waiting = async (now: number): Promise<Waiting> => {
    const known = last && (await last.catch(() => undefined));
    if (!known || Math.abs(now - known.at) >= SNAPSHOT_FRESH_MS) last = readWaiting(queue, now);
    return (await last)!;
  };
  return {
    stats: () => queue.stats(),
    waitingJobs: async (now) => (await waiting(now)).jobs,
    lanePauses: async (now) => (await waiting(now)).lanePauses.filter((pause) => pause.until > now),
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
