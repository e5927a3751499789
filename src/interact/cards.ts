import type { Config } from '../config';
import type { Wording } from '../render/catalog';
import type { AbuseReportEvent } from '../normalize/event';
import type { Job } from '../store/jobs';
import type { CardActions, Sink } from '../deliver/sink';
import { cardLabels } from './wording';

/**
 * Whether moderators act from this sink: a moderator list, and on Discord bot mode with the
 * application's key, on Slack the signing secret; on Matrix the list alone (reactions are read with /sync).
 */
export function moderatedSink(config: Config['sinks'][string]): boolean {
  if (config.type === 'discord') return config.moderators !== undefined && config.publicKey !== undefined && config.botToken !== undefined;
  if (config.type === 'slack') return config.moderators !== undefined && config.signingSecret !== undefined;
  if (config.type === 'matrix') return config.moderators !== undefined;
  return false;
}

/**
 * The actions of an abuse report card: a new report (not a digest) from a source with an admin
 * token, going to a sink with moderators. Everything else carries none.
 */
export function cardActionsFor(config: Config, wording: (sink: string) => Wording): (sink: Sink, jobs: Job[]) => CardActions | undefined {
  return (sink, jobs) => {
    if (jobs.length !== 1) return undefined;
    const job = jobs[0]!;
    if (job.event !== 'abuseReport') return undefined;
    const sinkConfig = config.sinks[sink.name];
    if (!sinkConfig || !moderatedSink(sinkConfig) || !config.sources[job.source]?.adminToken) return undefined;
    const { report } = job.payload as AbuseReportEvent;
    if (typeof report?.id !== 'string' || report.resolved) return undefined;
    const remote = typeof report.targetUser?.host === 'string' && report.targetUser.host !== '';
    return {
      source: job.source,
      reportId: report.id,
      ...(report.url ? { url: report.url } : {}),
      remote,
      labels: cardLabels(wording(sink.name), remote),
    };
  };
}
