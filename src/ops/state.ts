import type { Config } from '../config';
import type { Activity } from '../observe/activity';
import { renderMessage } from '../render/render';
import type { Platform } from '../render/message';
import type { TemplateSet } from '../render/templates';
import type { Sink } from '../deliver/sink';
import { isInstanceAlive, processAlive, type DeadLetter, type Job, type LaneStats, type LanePause, type LoggedAction, type OpsStore, type SinkPause } from './ops-store';

/**
 * What a platform allows one destination per minute, as docs/platforms.md describes it: Discord
 * about 30 messages a minute per channel, Slack about one a second per channel. Matrix limits are
 * the homeserver's own, so the page shows no limit there.
 */
const LIMIT_PER_MINUTE: Partial<Record<string, number>> = { discord: 30, slack: 60 };
/** Dead letters and audit entries the page lists, newest first. */
const LISTED = 200;

/** What the page knows of the running bridge besides the store. */
export interface OpsLive {
  config: Config;
  sinks: ReadonlyMap<string, Pick<Sink, 'type' | 'platform' | 'lane' | 'health'>>;
  /** false until the sink passed its start-up check */
  isReady: (sink: string) => boolean;
  activity: Activity;
  templates: () => TemplateSet;
  /** the host this process runs on, to tell a live instance from a gone one */
  host: string;
}

export type SinkState = 'running' | 'paused' | 'failing' | 'starting';

export interface SinkView {
  name: string;
  type: string;
  state: SinkState;
  /** the state in words */
  stateText: string;
  waiting: number;
  /** jobs held for a summary (grouping, quiet hours), and when the first summary is due */
  held: number;
  heldUntil: number | null;
  oldestAt: number | null;
  nextAttemptAt: number | null;
  /** delivered in the last minute against what the platform allows */
  pace: { lastMinute: number; limitPerMinute: number | null };
  lastError: { at: number; text: string } | null;
  pause: SinkPause | null;
  dead: number;
  series: { accepted: number[]; delivered: number[] };
}

export interface DeadLetterView {
  id: string;
  sink: string;
  source: string;
  event: string;
  eventId: string;
  route: string;
  failedAt: number;
  attempts: number;
  error: string;
  /** the message as it would be sent now, as plain text */
  preview: string;
}

export interface OpsState {
  now: number;
  sources: { name: string; lastEventAt: number | null; perMinute: number; unrouted: number }[];
  sinks: SinkView[];
  deadLetters: DeadLetterView[];
  deadLetterCount: number;
  instances: { id: string; host: string; pid: number; since: number; leases: number; heartbeatAt: number; alive: boolean }[];
  audit: LoggedAction[];
}

/** Everything the page shows but "find an event", read at once. */
export async function readState(store: OpsStore, live: OpsLive, now: number): Promise<OpsState> {
  const [stats, jobs, lanePauses, pauses, letters, instances, audit] = await Promise.all([
    store.jobs.stats(),
    store.waitingJobs(now),
    store.lanePauses(now),
    store.pauses.list(),
    store.deadLetters.list(),
    store.instances.list(),
    store.audit.list(LISTED),
  ]);
  const names = [...Object.keys(live.config.sinks), ...pauses.map((pause) => pause.sink).filter((sink) => !Object.hasOwn(live.config.sinks, sink))];
  const facts: SinkFacts = { stats, jobs, lanePauses, pauses, letters };
  return {
    now,
    sources: Object.keys(live.config.sources).map((name) => ({ name, ...live.activity.sourceActivity(name, now) })),
    sinks: names.map((name) => sinkView(name, facts, live, now)),
    deadLetters: letters
      .slice(-LISTED)
      .reverse()
      .map((letter) => deadLetterView(letter, live)),
    deadLetterCount: letters.length,
    instances: instances.map((instance) => ({ ...instance, alive: isInstanceAlive(instance, now, live.host, processAlive) })),
    audit,
  };
}

interface SinkFacts {
  stats: LaneStats[];
  jobs: Job[];
  lanePauses: LanePause[];
  pauses: SinkPause[];
  letters: DeadLetter[];
}

function sinkView(name: string, facts: SinkFacts, live: OpsLive, now: number): SinkView {
  const sink = live.sinks.get(name);
  const lanes = facts.stats.filter((lane) => lane.sink === name);
  const jobs = facts.jobs.filter((job) => job.sink === name);
  const held = jobs.filter((job) => job.hold && job.availableAt > now);
  const oldest = lanes.flatMap((lane) => (lane.oldestAt === null ? [] : [lane.oldestAt]));
  const lanePause = facts.lanePauses.find((pause) => pause.lane === sink?.lane && pause.until > now)?.until ?? 0;
  const due = jobs.filter((job) => !held.includes(job)).map((job) => Math.max(job.availableAt, lanePause));
  const pause = facts.pauses.find((candidate) => candidate.sink === name) ?? null;
  const lastError = lastErrorOf(name, live, jobs);
  const series = live.activity.sinkSeries(name, now);
  const { state, stateText } = describeState(name, pause, lastError, live);
  return {
    name,
    type: sink?.type ?? live.config.sinks[name]?.type ?? '(not configured)',
    state,
    stateText,
    waiting: lanes.reduce((sum, lane) => sum + lane.depth, 0),
    held: held.length,
    heldUntil: held.length > 0 ? Math.min(...held.map((job) => job.availableAt)) : null,
    oldestAt: oldest.length > 0 ? Math.min(...oldest) : null,
    nextAttemptAt: due.length > 0 ? Math.min(...due) : null,
    pace: { lastMinute: series.delivered.at(-1)!, limitPerMinute: LIMIT_PER_MINUTE[sink?.platform ?? ''] ?? null },
    lastError,
    pause,
    dead: facts.letters.filter((letter) => letter.sink === name).length,
    series,
  };
}

/** The newest failure the sink met: its own health, its last send, or a waiting job's last attempt. */
function lastErrorOf(name: string, live: OpsLive, jobs: Job[]): SinkView['lastError'] {
  const attempt = live.activity.lastAttempt(name);
  const health = live.sinks.get(name)?.health();
  if (health && !health.ok) return { at: attempt?.at ?? Date.now(), text: health.reason };
  if (attempt && attempt.outcome !== 'delivered') return { at: attempt.at, text: attempt.reason ?? attempt.outcome };
  if (attempt) return null;
  const history = jobs.flatMap((job) => job.history).sort((a, b) => a.at - b.at);
  const last = history.at(-1);
  return last ? { at: last.at, text: last.error } : null;
}

function describeState(name: string, pause: SinkPause | null, lastError: SinkView['lastError'], live: OpsLive): { state: SinkState; stateText: string } {
  if (pause) return { state: 'paused', stateText: `paused since ${new Date(pause.since).toISOString()}${pause.by ? ` by ${pause.by}` : ''}` };
  if (live.sinks.has(name) && !live.isReady(name)) return { state: 'starting', stateText: 'starting: its start-up check has not passed yet' };
  if (lastError && live.activity.lastAttempt(name)?.outcome !== 'rate_limited') return { state: 'failing', stateText: 'its sends fail: see the last error' };
  return { state: 'running', stateText: '' };
}

/** Previews by dead letter id, for one version of the templates (a reload makes a new set): the page asks every second. */
const previews = new WeakMap<TemplateSet, Map<string, string>>();

function preview(letter: DeadLetter, live: OpsLive): string {
  const templates = live.templates();
  let known = previews.get(templates);
  if (!known) previews.set(templates, (known = new Map()));
  let text = known.get(letter.id);
  if (text !== undefined) return text;
  const platform: Platform = live.sinks.get(letter.sink)?.platform ?? 'console';
  try {
    const message = renderMessage(letter.payload, letter.template, platform, templates);
    text = [message.title, message.plain].filter(Boolean).join('\n');
  } catch (error) {
    text = `cannot be rendered now: ${(error as Error).message}`;
  }
  // the letters listed are few; forget them all rather than track which went
  if (known.size >= LISTED * 2) known.clear();
  known.set(letter.id, text);
  return text;
}

function deadLetterView(letter: DeadLetter, live: OpsLive): DeadLetterView {
  const { id, sink, source, event, eventId, route, failedAt, attempts, error } = letter;
  return { id, sink, source, event, eventId, route, failedAt, attempts, error, preview: preview(letter, live) };
}
