import os from 'node:os';
import type { Config } from '../config';
import { formatAge } from '../shared/format';
import { isInstanceAlive, processAlive } from '../store/instances';
import { openStreamState } from '../store/open-stream';
import type { Store } from '../store/store';
import { table, withStore } from './store';

/**
 * `status`: every bridge instance sharing the store, its leases and heartbeat (a dead one shows as
 * such), then each stream source: connected since, cursor, last event, backfilled count.
 */
export function statusCommand(options: { config?: string }): Promise<string> {
  return withStore(options.config, async (store, config) => {
    const parts = [await instancesTable(store)];
    if (Object.values(config.sources).some((source) => source.stream)) parts.push(await streamTable(config));
    return parts.join('\n\n');
  });
}

async function streamTable(config: Config): Promise<string> {
  const state = await openStreamState(config.storage);
  try {
    const now = Date.now();
    const known = new Map((await state.states()).map((entry) => [entry.source, entry]));
    const rows = [['STREAM SOURCE', 'CONNECTED SINCE', 'CURSOR', 'LAST EVENT', 'BACKFILLED', 'STATE']];
    for (const [name, source] of Object.entries(config.sources)) {
      if (!source.stream) continue;
      const entry = known.get(name);
      const problem = [entry?.lastError, entry?.lostGap && `gap: ${entry.lostGap}`].filter(Boolean).join('; ');
      rows.push([
        name,
        entry?.connectedSince ? new Date(entry.connectedSince).toISOString() : 'not connected',
        entry?.cursor ?? '-',
        entry?.lastEventAt ? `${formatAge(now - entry.lastEventAt)} ago` : '-',
        String(entry?.backfilled ?? 0),
        problem || (entry?.connectedSince ? `ok (held by ${entry.holder ?? '?'})` : 'waiting'),
      ]);
    }
    return table(rows);
  } finally {
    await state.close();
  }
}

async function instancesTable(store: Pick<Store, 'instances'>): Promise<string> {
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
}
