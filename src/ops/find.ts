import type { Activity, AttemptRecord } from '../observe/activity';
import { eventActor, eventNote } from '../normalize/event';
import type { MessageRef } from '../store/messages';
import { subjectOf, type Job, type OpsStore } from './ops-store';

/** How many deliveries one search lists. */
const FOUND_MAX = 100;

/** gone: no longer in the store (dropped, or delivered by another instance) */
export type DeliveryState = 'waiting' | 'held' | 'dead' | 'delivered' | 'gone';

export interface FoundDelivery {
  jobId: string;
  source: string;
  eventId: string;
  event: string;
  route: string;
  sink: string;
  state: DeliveryState;
  /** every attempt known, oldest first: this process's own, and those the store recorded */
  attempts: { at: number; outcome: string; reason?: string }[];
  /** the message it became, when the store's message map knows it */
  message?: { ref: MessageRef; link?: string };
}

/** What the search matches: an eventId, a note id, or a user (`@bob`, `@bob@host`, `bob`). */
function matcher(query: string): (fields: { eventId: string; noteId?: string; actor?: string }) => boolean {
  const wanted = query.trim();
  const acct = (wanted.startsWith('@') ? wanted : `@${wanted}`).toLowerCase();
  return ({ eventId, noteId, actor }) => eventId === wanted || noteId === wanted || actor?.toLowerCase() === acct;
}

function jobFields(job: Job) {
  return { eventId: job.eventId, noteId: eventNote(job.payload)?.id, actor: eventActor(job.payload)?.acct };
}

/**
 * Every delivery of the events matching the query: waiting and dead jobs from the store, with the
 * attempts they recorded, and the sends this process made (delivered ones included, which the
 * store forgets once acknowledged).
 */
export async function findEvent(query: string, store: OpsStore, activity: Activity, now: number): Promise<FoundDelivery[]> {
  if (query.trim() === '') return [];
  const matches = matcher(query);
  const [waiting, dead] = await Promise.all([store.waitingJobs(now), store.deadLetters.list()]);
  const found = new Map<string, FoundDelivery>();
  const subjects = new Map<string, string>();
  const fromStore = new Set<object>();
  const stored: { job: Job; state: DeliveryState; diedAt?: number }[] = [
    ...waiting.filter((job) => matches(jobFields(job))).map((job) => ({ job, state: (job.hold && job.availableAt > now ? 'held' : 'waiting') as DeliveryState })),
    ...dead.filter((letter) => matches(jobFields(letter))).map((letter) => ({ job: letter, state: 'dead' as DeliveryState, diedAt: letter.failedAt })),
  ];
  for (const { job, state, diedAt } of stored) {
    // a dead letter's history ends with the failure that killed it
    const attempts = job.history.map((attempt) => ({ at: attempt.at, outcome: attempt.at === diedAt ? 'failed' : 'retry', reason: attempt.error }));
    for (const attempt of attempts) fromStore.add(attempt);
    found.set(job.id, { jobId: job.id, source: job.source, eventId: job.eventId, event: job.event, route: job.route, sink: job.sink, state, attempts });
    const subject = subjectOf(job);
    if (subject) subjects.set(job.id, subject);
  }
  for (const attempt of activity.findAttempts(matches)) {
    addAttempt(found, attempt, fromStore);
    if (attempt.subject) subjects.set(attempt.jobId, attempt.subject);
  }
  const deliveries = [...found.values()].slice(0, FOUND_MAX);
  for (const delivery of deliveries) {
    delivery.attempts.sort((a, b) => a.at - b.at);
    const subject = subjects.get(delivery.jobId);
    if (delivery.state !== 'delivered' || !subject) continue;
    const ref = await store.messages.find({ source: delivery.source, subject, sink: delivery.sink }, now);
    if (ref) delivery.message = { ref, ...(messageLink(ref) ? { link: messageLink(ref) } : {}) };
  }
  return deliveries;
}

/** Adds one of this process's attempts; the store's record of the same attempt gets its outcome instead. */
function addAttempt(found: Map<string, FoundDelivery>, attempt: AttemptRecord, fromStore: Set<object>): void {
  let delivery = found.get(attempt.jobId);
  if (!delivery) {
    const { jobId, source, eventId, event, route, sink } = attempt;
    delivery = { jobId, source, eventId, event, route, sink, state: 'gone', attempts: [] };
    found.set(attempt.jobId, delivery);
  }
  const same = delivery.attempts.find((known) => fromStore.has(known) && sameAttempt(known, attempt));
  if (same) {
    // each of the store's records stands for one send
    fromStore.delete(same);
    if (same.outcome !== 'failed') same.outcome = attempt.outcome;
  } else delivery.attempts.push({ at: attempt.at, outcome: attempt.outcome, ...(attempt.reason ? { reason: attempt.reason } : {}) });
  if (attempt.outcome === 'delivered') delivery.state = 'delivered';
}

/** Where the store counts the giving up a moment after the send, with "gave up after…" before the reason. */
const SETTLE_SLACK_MS = 1000;

function sameAttempt(known: FoundDelivery['attempts'][number], attempt: AttemptRecord): boolean {
  if (known.at === attempt.at) return true;
  return attempt.reason !== undefined && Math.abs(known.at - attempt.at) <= SETTLE_SLACK_MS && (known.reason ?? '').endsWith(attempt.reason);
}

/**
 * A link that opens the message in its platform's client: Discord's needs the server (guild), which
 * a webhook's answer does not name, and Slack's the workspace's domain, which the bridge does not know.
 */
export function messageLink(ref: MessageRef): string | undefined {
  if (ref.platform === 'discord') return ref.guild ? `https://discord.com/channels/${ref.guild}/${ref.channel}/${ref.id}` : undefined;
  if (ref.platform === 'matrix') return `https://matrix.to/#/${encodeURIComponent(ref.channel)}/${encodeURIComponent(ref.id)}`;
  return undefined;
}
