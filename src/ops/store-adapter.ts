import type { Job } from '../store/jobs';
import type { Store } from '../store/store';
import type { StoreRecord } from '../store/migration';
import type { LanePause, OpsStore } from './ops-store';

/** Records read per page of a snapshot. */
const SNAPSHOT_PAGE = 500;
/**
 * The Store lists waiting jobs and lane pauses only in its snapshot, which reads the whole store
 * (the duplicate window and the message map too): one reading serves every call for this long.
 */
const SNAPSHOT_FRESH_MS = 1000;

interface Waiting {
  at: number;
  jobs: Job[];
  lanePauses: LanePause[];
}

async function readWaiting(store: Pick<Store, 'migration'>, now: number): Promise<Waiting> {
  const waiting: Waiting = { at: now, jobs: [], lanePauses: [] };
  for await (const page of store.migration.snapshot(now, SNAPSHOT_PAGE)) {
    for (const record of page as StoreRecord[]) {
      if (record.kind === 'job') waiting.jobs.push(record.job);
      else if (record.kind === 'lane-pause') waiting.lanePauses.push({ lane: record.lane, until: record.until });
    }
  }
  return waiting;
}

/** The operations page's view of the store, over the Store interface. */
export function opsStoreOf(store: Store): OpsStore {
  let last: Promise<Waiting> | undefined;
  const waiting = async (now: number): Promise<Waiting> => {
    const known = last && (await last.catch(() => undefined));
    if (!known || Math.abs(now - known.at) >= SNAPSHOT_FRESH_MS) last = readWaiting(store, now);
    return (await last)!;
  };
  return {
    jobs: store.jobs,
    pauses: store.pauses,
    deadLetters: store.deadLetters,
    messages: store.messages,
    instances: store.instances,
    audit: store.audit,
    waitingJobs: async (now) => (await waiting(now)).jobs,
    lanePauses: async (now) => (await waiting(now)).lanePauses.filter((pause) => pause.until > now),
  };
}
