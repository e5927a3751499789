import os from 'node:os';
import { isInstanceAlive, processAlive } from '../store/instances';
import { formatAge, table, withStore } from './store';

/** `status`: every bridge instance sharing the store, its leases and heartbeat; a dead one shows as such. */
export function statusCommand(options: { config?: string }): Promise<string> {
  return withStore(options.config, async (store) => {
    const now = Date.now();
    const instances = await store.instances.list();
    if (instances.length === 0) return 'no bridge instance has used this store in the last day';
    const host = os.hostname();
    const rows = [['INSTANCE', 'HOST', 'PID', 'SINCE', 'LEASES', 'HEARTBEAT', 'STATE']];
    for (const instance of instances) {
      rows.push([
        instance.id,
        instance.host,
        String(instance.pid),
        new Date(instance.since).toISOString(),
        String(instance.leases),
        `${formatAge(now - instance.heartbeatAt)} ago`,
        isInstanceAlive(instance, now, host, processAlive) ? 'live' : 'gone (its leases run out, others take its messages)',
      ]);
    }
    return table(rows);
  });
}
