/** A bridge process sharing the store, as its last heartbeat told. */
export interface InstanceInfo {
  /** new for every process */
  id: string;
  host: string;
  pid: number;
  /** when the process started */
  since: number;
  /** jobs it held leased at its last heartbeat */
  leases: number;
  heartbeatAt: number;
}

/** An instance is taken for gone once its heartbeat is this old. */
export const INSTANCE_STALE_MS = 30_000;
/** Instances silent this long are no longer listed. */
export const INSTANCE_FORGET_MS = 24 * 60 * 60 * 1000;

/**
 * Whether an instance still runs: its heartbeat is recent and, when it ran on this host, its
 * process still exists (so a restart on the same host needs not wait for the heartbeat to age).
 */
export function isInstanceAlive(instance: InstanceInfo, now: number, host: string, pidAlive: (pid: number) => boolean): boolean {
  if (now - instance.heartbeatAt >= INSTANCE_STALE_MS) return false;
  return instance.host !== host || pidAlive(instance.pid);
}

/** Whether a process of this host with that pid exists. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is only not ours to signal
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The bridge processes sharing the store and their heartbeats. */
export interface InstanceStore {
  /** records that this instance is alive (and forgets instances silent for a day) */
  heartbeat(instance: InstanceInfo): Promise<void>;
  /** every instance recorded, the most recent heartbeat first */
  list(): Promise<InstanceInfo[]>;
  /** a clean shutdown: the instance is gone */
  forget(id: string): Promise<void>;
}
