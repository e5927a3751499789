import { table, withStore } from './store';

/** `audit list`: moderation actions taken from chat, newest first. */
export function auditList(options: { config?: string; limit?: string }): Promise<string> {
  const limit = options.limit === undefined ? 50 : Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new Error('--limit must be a whole number of at least 1');
  return withStore(options.config, async (store) => {
    const entries = await store.audit.list(limit);
    if (entries.length === 0) return 'no moderation action has been taken from chat';
    const rows = [['TIME', 'PLATFORM', 'SINK', 'WHO', 'ACTION', 'REPORT', 'OUTCOME', 'DETAIL']];
    for (const entry of entries) {
      rows.push([
        new Date(entry.at).toISOString(),
        entry.platform,
        entry.sink,
        entry.actorName ? `${entry.actorName} (${entry.actor})` : entry.actor,
        entry.action,
        `${entry.source}/${entry.reportId}`,
        entry.outcome,
        entry.detail ?? '',
      ]);
    }
    return table(rows);
  });
}
