import { table, withStore } from './store';

/** `audit list`: what was done from chat (moderation, and the account's actions) and on the operations page, newest first; the subject is the report, note or user acted on. */
export function auditList(options: { config?: string; limit?: string }): Promise<string> {
  const limit = options.limit === undefined ? 50 : Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new Error('--limit must be a whole number of at least 1');
  return withStore(options.config, async (store) => {
    const entries = await store.audit.list(limit);
    if (entries.length === 0) return 'nothing has been done from chat';
    const rows = [['TIME', 'PLATFORM', 'SINK', 'WHO', 'ACTION', 'SUBJECT', 'OUTCOME', 'DETAIL']];
    for (const entry of entries) {
      if (entry.platform === 'ops') {
        rows.push([new Date(entry.at).toISOString(), 'ops page', entry.sink, entry.actor, entry.action, entry.ids?.join(' ') ?? '', entry.outcome, entry.detail]);
        continue;
      }
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
