import type { Logger } from '../observe/logger';
import { type MessageKey, subjectOf } from '../store/messages';
import type { Job } from '../store/jobs';
import type { Store } from '../store/store';
import type { Delivery, Sink, Verdict } from './sink';
import type { MessageRef } from '../store/messages';

/**
 * Conversations: a reply goes into its parent's thread, a resolved report or an edited note edits
 * the earlier message. The worker calls `prepare` after leasing and `delivered` after a send; the
 * message map (Store.recordMessage) holds the platform references.
 */

/** Fork events that change a note already posted (Sharkey `edited`; the names other forks use are assumed). */
export const NOTE_CHANGE_EVENTS: readonly string[] = ['edited', 'noteUpdated', 'noteDeleted'];
/** Events that only strike an earlier message: with none to strike they are not posted at all. */
export const STRIKE_ONLY_EVENTS: readonly string[] = ['noteDeleted'];

export const DEFAULT_KEEP_MS = 30 * 24 * 3_600_000;
/** a reply whose parent is still queued is looked at again after this long */
export const HOLD_MS = 2_000;
/** …but never held longer than this after it arrived: then it is sent without its thread */
export const MAX_HOLD_MS = 10 * 60_000;
const PRUNE_EVERY_MS = 3_600_000;

export interface ConversationOptions {
  /** how long the map remembers a message (`conversations.keep`) */
  keepMs?: number;
  /** sinks with `threads: off`: replies are posted as new messages (edits still apply) */
  threadsOff?: ReadonlySet<string>;
}

/** What one job means for the map: the subject its message stands for, answers, or edits. */
export interface JobConversation {
  /** the message will stand for this note or report (record it once delivered) */
  posts: string | null;
  /** the parent note whose thread the message belongs in */
  replyTo: string | null;
  /** the note or report whose earlier message this one replaces */
  edits: string | null;
  /** a short name for the parent's conversation: its CW, else its text, else its author */
  topic?: string;
}

export function conversationOf(job: Pick<Job, 'event' | 'payload'>): JobConversation {
  const payload = job.payload as {
    note?: { id?: unknown; reply?: ParentNote | null } | null;
    /** a fork event that names only the note (see UnknownEvent.noteId) */
    noteId?: unknown;
    report?: { id?: unknown } | null;
  };
  const posts = subjectOf(job);
  const parent = payload.note?.reply;
  const replyTo = posts?.startsWith('note:') && typeof parent?.id === 'string' ? `note:${parent.id}` : null;
  let edits: string | null = null;
  if (job.event === 'abuseReportResolved' && typeof payload.report?.id === 'string') edits = `report:${payload.report.id}`;
  const changed = payload.note?.id ?? payload.noteId;
  if (NOTE_CHANGE_EVENTS.includes(job.event) && typeof changed === 'string') edits = `note:${changed}`;
  const topic = replyTo && parent ? topicOf(parent) : undefined;
  return { posts, replyTo, edits, ...(topic ? { topic } : {}) };
}

interface ParentNote {
  id?: unknown;
  text?: unknown;
  cw?: unknown;
  user?: { name?: unknown; username?: unknown } | null;
}

const MAX_TOPIC = 200;

/** Plain words for a thread's name: the CW (never the text it hides), else the text, else "Replies to <author>". */
function topicOf(parent: ParentNote): string | undefined {
  const words = (value: unknown) =>
    typeof value === 'string'
      ? // MFM functions ($[tada …]) lose their markup: the opener, and the closing brackets with it
        (/\$\[[\w.,=+-]+\s/.test(value) ? value.replace(/\$\[[\w.,=+-]+\s/g, '').replace(/\]/g, '') : value)
          .replace(/[\p{Cc}\p{Cf}]/gu, ' ')
          .replace(/\s+/g, ' ')
          .trim()
          .slice(0, MAX_TOPIC)
      : '';
  if (typeof parent.cw === 'string') return words(parent.cw) || undefined;
  const text = words(parent.text);
  if (text) return text;
  const author = words(parent.user?.name) || words(parent.user?.username);
  return author ? `Replies to ${author}` : undefined;
}

/** The delivery fields a conversation adds. */
export type ConversationFields = Pick<Delivery, 'thread' | 'topic' | 'edit' | 'needsRef'>;

export interface Prepared {
  /** the jobs to send now, as one message */
  jobs: Job[];
  fields: ConversationFields;
}

export class Conversations {
  private readonly keepMs: number;
  private lastPruneAt = -Infinity;

  constructor(
    private readonly store: Pick<Store, 'jobs' | 'messages'>,
    private readonly logger: Logger,
    private readonly options: ConversationOptions = {},
  ) {
    this.keepMs = options.keepMs ?? DEFAULT_KEEP_MS;
  }

  /**
   * Keeps conversation messages out of digests (a digest is neither threaded nor edited), finds the
   * parent or original message, and holds a job whose parent or original is still queued. Jobs not
   * sent now are released; null when none is left to send.
   */
  async prepare(sink: Sink, leased: Job[], now: number): Promise<Prepared | null> {
    const { solo, rest } = this.splitDigest(sink, leased);
    if (rest.length > 0) await this.store.jobs.release(rest, now);
    if (solo.length !== 1) return { jobs: solo, fields: {} };
    const job = solo[0]!;
    const talk = conversationOf(job);
    const fields: ConversationFields = talk.posts || talk.edits ? { needsRef: true } : {};
    const replyTo = this.threads(sink) ? talk.replyTo : null;
    for (const [subject, field] of [
      [replyTo, 'thread'],
      [talk.edits, 'edit'],
    ] as const) {
      if (!subject) continue;
      const key = this.key(job, subject);
      try {
        const ref = await this.store.messages.find(key, now);
        if (ref?.platform === sink.platform) {
          fields[field] = ref;
          if (field === 'thread' && talk.topic) fields.topic = talk.topic;
          continue;
        }
        if (now - job.createdAt < MAX_HOLD_MS && (await this.store.jobs.holdsMessage(job.lane, key, job.id))) {
          // its parent (or original) is still to be sent in this lane: it goes first
          await this.store.jobs.release([job], now + HOLD_MS);
          this.logger.debug({ sink: sink.name, job: job.id, waitsFor: subject }, 'message waits for the one it answers or edits');
          return null;
        }
      } catch (error) {
        // the map is a nicety: a message is never held back because it cannot be read
        this.logger.warn({ err: error, sink: sink.name, job: job.id }, 'cannot read the message map; sending as a new message');
      }
    }
    if (STRIKE_ONLY_EVENTS.includes(job.event) && !fields.edit) {
      // the deletion of a note this sink never showed (or no longer knows) is no news
      await this.store.jobs.ack([job]);
      this.logger.debug({ sink: sink.name, job: job.id, note: talk.edits }, 'deleted note was not posted here: nothing to strike');
      return null;
    }
    return { jobs: solo, fields };
  }

  /** Records the delivered message for its note or report (and for the one it edited). */
  async delivered(sink: Sink, jobs: Job[], verdict: Verdict, now: number): Promise<void> {
    if (verdict.kind !== 'delivered' || !verdict.message || jobs.length !== 1) return;
    const job = jobs[0]!;
    const talk = conversationOf(job);
    const ref: MessageRef = verdict.message;
    try {
      for (const subject of new Set([talk.posts, talk.edits])) {
        if (subject) await this.store.messages.record(this.key(job, subject), ref, now, this.keepMs);
      }
      // the parent gained a thread (Discord): later replies to it go there without asking again
      if (verdict.answered && talk.replyTo) await this.store.messages.record(this.key(job, talk.replyTo), verdict.answered, now, this.keepMs);
      if (now - this.lastPruneAt >= PRUNE_EVERY_MS) {
        this.lastPruneAt = now;
        await this.store.messages.prune(now);
      }
    } catch (error) {
      this.logger.warn({ err: error, sink: sink.name, job: job.id }, 'cannot record the message in the message map; replies to it will not be threaded');
    }
  }

  private threads(sink: Sink): boolean {
    return !this.options.threadsOff?.has(sink.name);
  }

  private key(job: Job, subject: string): MessageKey {
    return { source: job.source, subject, sink: job.sink };
  }

  /**
   * A digest is cut before the first job that answers or edits a message, or whose message a later
   * job of the batch answers or edits: such a job goes alone (first in line, it is leased alone).
   */
  private splitDigest(sink: Sink, jobs: Job[]): { solo: Job[]; rest: Job[] } {
    if (jobs.length <= 1) return { solo: jobs, rest: [] };
    const threads = this.threads(sink);
    const talks = jobs.map(conversationOf);
    const answered = new Set(
      talks.flatMap((talk, i) => [threads ? talk.replyTo : null, talk.edits].filter((s) => s !== null).map((s) => `${jobs[i]!.source}\n${s}`)),
    );
    const cut = talks.findIndex(
      (talk, i) => (threads && talk.replyTo !== null) || talk.edits !== null || (talk.posts !== null && answered.has(`${jobs[i]!.source}\n${talk.posts}`)),
    );
    if (cut === -1) return { solo: jobs, rest: [] };
    const end = Math.max(cut, 1);
    return { solo: jobs.slice(0, end), rest: jobs.slice(end) };
  }
}
