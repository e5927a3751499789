import type { Config } from '../config';
import type { Wording } from '../render/catalog';
import { eventName, type AbuseReportEvent, type Event } from '../normalize/event';
import type { Job } from '../store/jobs';
import type { AccountCard, CardActions, Delivery, Sink } from '../deliver/sink';
import { cardLabels } from './wording';

type SinkConfig = Config['sinks'][string];

/** Whether the platform calls the bridge with signed requests (Discord bot mode with its key, Slack with the signing secret), or the bridge listens (Matrix). */
function interactive(config: SinkConfig): boolean {
  if (config.type === 'discord') return config.publicKey !== undefined && config.botToken !== undefined;
  if (config.type === 'slack') return config.signingSecret !== undefined;
  return config.type === 'matrix';
}

/** Whether moderators act from this sink: a moderator list on an interactive sink. */
export function moderatedSink(config: SinkConfig): boolean {
  return 'moderators' in config && config.moderators !== undefined && interactive(config);
}

/** Whether actors act for the account from this sink: an actor list on an interactive sink (Slack: in bot mode, for its forms). */
export function actingSink(config: SinkConfig): boolean {
  if (config.type === 'slack' && config.token === undefined) return false;
  return 'actors' in config && config.actors !== undefined && interactive(config);
}

/** The event name of a follow request: the streaming source sends it; its body carries the user. */
export const FOLLOW_REQUEST = 'followRequest';

/**
 * The actions a card carries: a new abuse report from a source with an admin token, to a moderated
 * sink; a note, a follow or a follow request from a source with an account token, to an acting
 * sink. Digests and "test" events carry none.
 */
export function cardActionsFor(config: Config, wording: (sink: string) => Wording): (sink: Sink, jobs: Job[]) => Pick<Delivery, 'actions' | 'account'> {
  return (sink, jobs) => {
    if (jobs.length !== 1) return {};
    const job = jobs[0]!;
    const sinkConfig = config.sinks[sink.name];
    if (!sinkConfig) return {};
    const actions = reportActions(config, sinkConfig, job, wording(sink.name));
    if (actions) return { actions };
    const account = accountCard(config, sinkConfig, job, wording(sink.name));
    return account ? { account } : {};
  };
}

function reportActions(config: Config, sinkConfig: SinkConfig, job: Job, wording: Wording): CardActions | undefined {
  if (job.event !== 'abuseReport' || !moderatedSink(sinkConfig) || !config.sources[job.source]?.adminToken) return undefined;
  const { report } = job.payload as AbuseReportEvent;
  if (typeof report?.id !== 'string' || report.resolved) return undefined;
  const remote = typeof report.targetUser?.host === 'string' && report.targetUser.host !== '';
  return { source: job.source, reportId: report.id, ...(report.url ? { url: report.url } : {}), remote, labels: cardLabels(wording, remote) };
}

function accountCard(config: Config, sinkConfig: SinkConfig, job: Job, wording: Wording): AccountCard | undefined {
  if (!actingSink(sinkConfig) || !config.sources[job.source]?.account) return undefined;
  const event = job.payload as Event;
  if (event.isTest) return undefined;
  const reactions = 'reactions' in sinkConfig ? sinkConfig.reactions : [];
  const labels = { reply: wording.text('card.reply'), follow: wording.text('card.follow'), accept: wording.text('card.accept'), reject: wording.text('card.reject') };
  const base = { source: job.source, reactions: [] as readonly string[], reply: false, labels };
  if (event.type === 'note' || event.type === 'reply' || event.type === 'renote' || event.type === 'mention') {
    // a pure renote shows the renoted note; a hidden note cannot be answered
    const note = event.note.isPureRenote && event.note.renote ? event.note.renote : event.note;
    if (note.isHidden) return undefined;
    const answerable = event.type === 'mention' || event.type === 'reply' || (event.type === 'renote' && note.isQuote);
    return { ...base, noteId: note.id, reply: answerable, reactions };
  }
  if (event.type === 'followed') return { ...base, user: { id: event.user.id, request: false } };
  if (event.type === 'followRequest') return { ...base, user: { id: event.user.id, request: true } };
  // a webhook of that name (Misskey sends none today) stays an unknown event
  if (event.type === 'unknown' && eventName(event) === FOLLOW_REQUEST && event.user) return { ...base, user: { id: event.user.id, request: true } };
  return undefined;
}
