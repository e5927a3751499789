/**
 * What the benchmarks send and render: the shared Misskey fixtures that carry a note, plus long
 * MFM notes near Misskey's 3,000-character limit.
 */
import { eventNote } from '../../src/normalize/event';
import { normalize } from '../../src/normalize/normalize';
import { allFixtures, fixture, type Fixture } from '../../test/helpers/fixtures';

export const SECRET = 'bench-secret-1234';

/** The headers Misskey sends with every webhook. */
/** The floor's headers (bench/durable-floor.cjs compares with the fixed secret "sec"); the rest as HOOK_HEADERS. */
export const floorHeaders = (): Record<string, string> => ({ ...HOOK_HEADERS, 'x-misskey-hook-secret': 'sec' });

export const HOOK_HEADERS: Record<string, string> = {
  'content-type': 'application/json',
  'user-agent': 'Misskey-Hooks',
  'x-misskey-hook-secret': SECRET,
  'x-misskey-host': 'misskey.example',
};

type Body = Record<string, unknown>;
type NoteBody = Body & { body: { note: Body & { text: string | null; cw: string | null } } };

const clone = <T>(value: T): T => structuredClone(value);

/** Roughly `length` characters of MFM made of the given lines, over and over. */
export function repeatTo(lines: string[], length: number): string {
  const out: string[] = [];
  let size = 0;
  for (let i = 0; size < length; i++) {
    const line = (lines[i % lines.length] ?? '').replaceAll('{n}', String(i));
    out.push(line);
    size += line.length + 1;
  }
  return out.join('\n').slice(0, length);
}

export const MFM_LINES = [
  '$[x2 **Big news {n}!**] <center>Welcome :misskey_party: to the server</center>',
  'Ping @kenji@mastodon.example and @bob — see #MisskeyWebhooks and #ミスキー',
  'Docs: https://misskey-hub.net/ja/docs/ and <https://example.com/a_(b)?q={n}&r=2>',
  '[link label](https://example.org/path?x={n}&y=2) ?[search query {n}]',
  '$[spin.speed=2s 🍣] $[fg.color=f00 red text] $[blur hidden] `inline code` ~~strike~~ <small>small</small> <i>italic</i>',
  '<plain>**not bold** <b>nor this</b></plain> > not a quote mid-line',
  '> quoted line {n} with **bold** and :blobcat:',
  '```js\nconsole.log("hi <b> {n}");\n```',
  '\\(E = mc^{n}\\) $[flip.h $[rainbow rainbow]] $[ruby 漢字 かんじ]',
];

export const PROSE_LINES = [
  '今日はいい天気☀️ 公園で散歩してきました。桜がきれいで、写真をたくさん撮りました 📸',
  'Release notes for v13.{n}: faster timelines, better search, and fixes for @alice@misskey.example\'s report.',
  'Thread 🧵 {n}/20: https://misskey-hub.net/en/docs/for-users/features/mfm/ explains every function; #MFM #Misskey',
  'Waiting for <https://example.com/builds/{n}> — 10% done… then 20%… _(almost)_ *there*',
  '@everyone @here <@123456789012345678> <!channel> @room — none of these may ping anyone.',
];

/** Long notes: MFM-heavy, long prose, and a long CW'd note. */
function longNotes(): Fixture[] {
  const base = fixture('note.mfm.json');
  const make = (name: string, text: string, cw: string | null, type = 'note'): Fixture => {
    const body = clone(base.body) as NoteBody;
    body.type = type;
    body.body.note.text = text;
    body.body.note.cw = cw;
    return { name, body, host: base.host };
  };
  return [
    make('long/mfm-2900', repeatTo(MFM_LINES, 2900), null),
    make('long/prose-2900', repeatTo(PROSE_LINES, 2900), null, 'mention'),
    make('long/cw-mfm-2000', repeatTo([...MFM_LINES].reverse(), 2000), 'spoilers for episode 12 $[x2 ⚠️]'),
  ];
}

/** Every shared fixture that carries a note (note, reply, renote, mention), plus the long MFM notes. */
export function noteCorpus(): Fixture[] {
  const withNote = allFixtures().filter((candidate) => {
    try {
      return eventNote(normalize({ source: 'bench', payload: candidate.body, misskeyHost: candidate.host })) !== null;
    } catch {
      return false;
    }
  });
  return [...withNote, ...longNotes()];
}

/**
 * A mention as Misskey sends it, with this eventId; `marker` (letters and digits only) is put in
 * the note text so that the message can be found where it arrives.
 */
export function mentionBody(eventId: string, marker?: string): Body {
  const body = clone(fixture('mention.local.json').body) as NoteBody;
  body.eventId = eventId;
  if (marker !== undefined) body.body.note.text = `@alice ${marker} 見て！ $[tada 🎉] https://misskey.example/notes/a8yxkfr81f`;
  return body;
}

/** The body as JSON with its eventId replaced by `placeholder` (for per-request ids). */
export function withIdPlaceholder(body: Body, placeholder: string): string {
  return JSON.stringify({ ...body, eventId: placeholder });
}
