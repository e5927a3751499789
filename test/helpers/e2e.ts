/**
 * Shared pieces of the end-to-end tests that run the whole bridge against the platform fakes:
 * payload builders (hostile notes, bursts), what each fixture should show, readiness, and
 * "visible text" readers for each platform's markup.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DeadLetter } from '../../src/store/dead-letters';
import { SECRET, eventually, startTestBridge, testConfig, type TestBridge } from './bridge';
import { fixture, type Fixture } from './fixtures';

// ---------------------------------------------------------------------------------------------
// Hostile text

/** Every sequence that pings, formats, links or injects markup on one of the platforms. */
export const HOSTILE_TOKENS = [
  '@everyone',
  '@here',
  '<@123456789012345678>',
  '<@&123456789012345678>',
  '||x||',
  '**md**',
  '[x](https://evil.example)',
  '<!channel>',
  '<!here>',
  '<@U024BE7LH>',
  '<https://evil|click>',
  '&amp;',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '@room',
] as const;

export const HOSTILE = HOSTILE_TOKENS.join(' ');

/**
 * Tokens that are Misskey markup (MFM) when they appear in a note's text: bold, a link, a URL in
 * angle brackets. Misskey itself shows them formatted, so the bridge converts them; in CWs and
 * names (plain text) they must show literally like every other token.
 */
export const MFM_MARKUP_TOKENS: readonly string[] = ['**md**', '[x](https://evil.example)', '<https://evil|click>'];

/** The tokens a note's text must still show as characters once rendered. */
export const LITERAL_IN_NOTE_TEXT = HOSTILE_TOKENS.filter((token) => !MFM_MARKUP_TOKENS.includes(token));

type Body = Record<string, unknown>;
type NoteJson = Record<string, unknown> & { id: string; user: Record<string, unknown> };

function noteFixture(name: string): { body: Body; note: NoteJson } {
  const body = structuredClone(fixture(name).body);
  const note = (body.body as { note: NoteJson }).note;
  return { body, note };
}

/** note.basic.json with its text, CW and author's display name replaced (and a fresh eventId). */
export function hostileNote(options: { eventId: string; text?: string | null; cw?: string | null; name?: string | null; noteId?: string }): Body {
  const { body, note } = noteFixture('note.basic.json');
  body.eventId = options.eventId;
  if (options.text !== undefined) note.text = options.text;
  if (options.cw !== undefined) note.cw = options.cw;
  if (options.name !== undefined) note.user.name = options.name;
  if (options.noteId !== undefined) note.id = options.noteId;
  return body;
}

/** mention.local.json made distinct: a new eventId, note id, and a unique marker in the text. */
export function mentionNumber(n: number): { body: Body; noteId: string; marker: string } {
  const { body, note } = noteFixture('mention.local.json');
  const noteId = `burst${String(n).padStart(5, '0')}`;
  const marker = `zq${String(n).padStart(3, '0')}zq`;
  body.eventId = `b0b0b0b0-0000-4000-8000-${String(n).padStart(12, '0')}`;
  note.id = noteId;
  note.text = `@alice ping ${marker}`;
  return { body, noteId, marker };
}

/** A note event (note.basic.json) with a unique marker in its text and its own note id. */
export function noteNumber(n: number): { body: Body; noteId: string; marker: string } {
  const marker = `zq${String(n).padStart(3, '0')}zq`;
  const noteId = `burstn${String(n).padStart(4, '0')}`;
  const body = hostileNote({ eventId: `c0c0c0c0-0000-4000-8000-${String(n).padStart(12, '0')}`, text: `burst note ${marker}`, noteId });
  return { body, noteId, marker };
}

export const FOLLOW_KINDS = ['followed', 'follow', 'unfollow'] as const;
export type FollowKind = (typeof FOLLOW_KINDS)[number];
const FOLLOW_FIXTURE: Record<FollowKind, string> = { followed: 'followed.local.json', follow: 'follow.local.json', unfollow: 'unfollow.json' };

/** A follow / followed / unfollow event about user `fanNNN` (no display name, no bio). */
export function followNumber(n: number, kind: FollowKind): { body: Body; username: string } {
  const body = structuredClone(fixture(FOLLOW_FIXTURE[kind]).body);
  const username = `fan${String(n).padStart(3, '0')}`;
  body.eventId = `f0f0f0f0-0000-4000-8000-${String(n).padStart(12, '0')}`;
  const user = (body.body as { user: Record<string, unknown> }).user;
  Object.assign(user, { id: `fanid${String(n).padStart(5, '0')}`, username, name: null, description: null, host: null });
  return { body, username };
}

// ---------------------------------------------------------------------------------------------
// Posting

/** User webhooks carry a userId; system webhooks (abuse reports, new users…) arrive on their own source. */
export const sourceOf = (body: Body): string => ('userId' in body ? 'alice' : 'system');

/**
 * The fixture as an event about a report of its own: a resolution of a report posted earlier in
 * the same run would edit that report's message instead of posting a new one.
 */
export function standalone(f: Fixture): Fixture {
  if (f.body.type !== 'abuseReportResolved') return f;
  const report = f.body.body as Record<string, unknown>;
  return { ...f, body: { ...f.body, body: { ...report, id: `${String(report.id)}-alone` } } };
}

/** Posts a fixture as Misskey would and expects it stored. */
export async function postFixture(bridge: TestBridge, f: Fixture): Promise<void> {
  const response = await bridge.post(sourceOf(f.body), f.body, { 'x-misskey-host': f.host });
  if (response.status !== 204) throw new Error(`${f.name}: the bridge answered ${response.status} ${await response.text()}`);
}

/** Posts many bodies, a few at a time (as Misskey's job queue does), expecting each stored. */
export async function postAll(bridge: TestBridge, bodies: Body[], concurrency = 8): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const body = bodies[next++]!;
      const response = await bridge.post(sourceOf(body), body);
      if (response.status !== 204) throw new Error(`event ${String(body.eventId)}: the bridge answered ${response.status}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

export interface Readiness {
  status: number;
  checks: Record<string, string>;
}

export async function readyz(bridge: TestBridge): Promise<Readiness> {
  const response = await fetch(`${bridge.url}/readyz`);
  const body = (await response.json()) as { checks: Record<string, string> };
  return { status: response.status, checks: body.checks };
}

/**
 * A bridge config: sources `alice` (user webhooks) and `system` (system webhooks), the given sinks
 * (name → YAML flow mapping), and one route sending every event of every visibility to all of them.
 */
export function bridgeYaml(sinks: Record<string, string>, extra = ''): string {
  const lines = Object.entries(sinks).map(([name, yaml]) => `  ${name}: ${yaml}`);
  return `
sources:
  alice: { secret: "${SECRET}" }
  system: { secret: "${SECRET}" }
sinks:
${lines.join('\n')}
routes:
  - name: everything
    events: "*"
    filter: { visibility: [public, home, followers, specified] }
    to: [${Object.keys(sinks).join(', ')}]
${extra}
`;
}

/**
 * Starts a bridge with these sinks (see bridgeYaml), registers its stop with `cleanups`, and waits
 * until /readyz answers 200: the worker starts once the sinks passed their start-up checks.
 */
export async function startReadyBridge(
  sinks: Record<string, string>,
  options: { extra?: string; digestThreshold?: number },
  cleanups: (() => Promise<void>)[],
): Promise<TestBridge> {
  const bridge = await startTestBridge(testConfig(bridgeYaml(sinks, options.extra)), {
    worker: options.digestThreshold === undefined ? {} : { digestThreshold: options.digestThreshold },
  });
  cleanups.push(() => bridge.stop(1000));
  await eventually(async () => expect((await readyz(bridge)).status).toBe(200));
  return bridge;
}

/** The one item added to `items()` after the first `before`, once it has arrived. */
export function nextItem<T>(items: () => readonly T[], before: number, timeoutMs = 5000): Promise<T> {
  return eventually(() => {
    const fresh = items().slice(before);
    expect(fresh).toHaveLength(1);
    return fresh[0]!;
  }, timeoutMs);
}

/** The bridge's only dead letter, once there is one. */
export async function onlyDeadLetter(bridge: TestBridge): Promise<DeadLetter> {
  const [letter] = await eventually(async () => {
    const letters = await bridge.store.deadLetters.list();
    expect(letters).toHaveLength(1);
    return letters;
  });
  return letter!;
}

/** Retry policy for error tests: a transient failure is retried within ~50 ms. */
export const FAST_RETRY = 'delivery: { initialBackoff: 50ms, maxBackoff: 200ms, jitter: 0 }';

/** A config file in a fresh temp folder (for CLI commands); `cleanup` removes the folder. */
export function writeConfigFile(yaml: string): { file: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'misskey-bridge-e2e-'));
  const file = path.join(dir, 'config.yaml');
  writeFileSync(file, yaml);
  return { file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

// ---------------------------------------------------------------------------------------------
// What a fixture should show

/**
 * Strings taken from the raw payload that the delivered message must contain somewhere (its
 * JSON): the note's URL, the account the event is about, the report's target, the remaining time.
 */
export function expectedSnippets(f: Fixture): string[] {
  const body = f.body.body as Record<string, unknown>;
  const snippets: string[] = [];
  const note = body.note as { id?: string; user?: { username?: string } } | undefined;
  if (note?.id) snippets.push(`/notes/${note.id}`);
  if (note?.user?.username) snippets.push(`@${note.user.username}`);
  const user = body.user as { username?: string } | undefined;
  if (user?.username) snippets.push(`@${user.username}`);
  // userCreated: the body is the new user
  if (f.body.type === 'userCreated' && typeof body.username === 'string') snippets.push(`@${body.username}`);
  const target = body.targetUser as { username?: string } | undefined;
  if (target?.username) snippets.push(`@${target.username}`);
  const remaining = body.remainingTime as { asHours?: number } | undefined;
  if (remaining?.asHours !== undefined) snippets.push(`${remaining.asHours} hours`);
  if (snippets.length === 0) throw new Error(`${f.name}: no expectation for this payload`);
  return snippets;
}

// ---------------------------------------------------------------------------------------------
// Visible text per platform

const ZWSP = /\u200b/g;

/**
 * What a reader sees of Discord markdown, markup aside: masked links show their label, `\x`
 * escapes show `x`, zero-width spaces are invisible. Spoiler and bold markers are left in place
 * (checks look for substrings).
 */
export function discordVisible(markdown: string): string {
  return markdown
    .replace(/(?<!\\)\[((?:[^[\]\\]|\\.)*)\]\((?:<[^>]*>|[^)\s]*)\)/g, '$1')
    .replace(/\\(.)/g, '$1')
    .replace(ZWSP, '');
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name.startsWith('#x') || name.startsWith('#X')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)));
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/** What a reader sees of Slack mrkdwn: `<url|label>` shows the label, `<url>` the URL, entities decode. */
export function slackVisible(mrkdwn: string): string {
  const decoded = mrkdwn
    .replace(/<([^<>|]*)\|([^<>]*)>/g, '$2')
    .replace(/<([^<>]*)>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
  return decoded.replace(ZWSP, '');
}

/** What a reader sees of Matrix HTML: tags go (a spoiler's hidden text included), entities decode. */
export function matrixVisible(html: string): string {
  return decodeEntities(html.replace(/<br\s*\/?>/g, '\n').replace(/<[^>]*>/g, '')).replace(ZWSP, '');
}

/** The tokens `visible` lacks, for a readable failure. */
export function missingTokens(visible: string, tokens: readonly string[]): string[] {
  return tokens.filter((token) => !visible.includes(token));
}
