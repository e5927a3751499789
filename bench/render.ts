/**
 * `npm run bench:render`: notes rendered per second per platform through renderMessage
 * (src/render/render.ts) with the bundled templates, on one core, for a mixed corpus: every
 * shared fixture that carries a note (test/fixtures/misskey*) plus long MFM notes. Prints a
 * table; asserts nothing.
 *
 * Two figures per platform:
 * - "corpus": the corpus as it is, over and over. Its texts fit in the MFM parser's cache (32
 *   texts, src/render/mfm/parse.ts), so after the warm-up this is rendering without parsing, as
 *   when one note goes to several platforms. Target 20,000 notes/s.
 * - "every note new": before each render, every MFM text of the note (its text, and those of the
 *   note it renotes or replies to) gets a number appended that no render used before, so each
 *   one is parsed (in this thread, or in the parser's worker thread while this thread waits if
 *   it backtracks past the parser's step limit): what one sink per note costs. Target 3,000
 *   notes/s.
 *
 * BENCH_RENDER_SECONDS sets the time per figure (2).
 */
import os from 'node:os';
import { parseConfig } from '../src/config/load';
import { eventName, eventNote, type Event, type Note } from '../src/normalize/event';
import { normalize } from '../src/normalize/normalize';
import { PLATFORMS, type Platform } from '../src/render/message';
import { stopMfmParser } from '../src/render/mfm/parse';
import { renderMessage } from '../src/render/render';
import { BUNDLED_TEMPLATES, TemplateSet } from '../src/render/templates';
import { noteCorpus } from './lib/payloads';
import { fmt, Table } from './lib/table';

const SECONDS = Number(process.env.BENCH_RENDER_SECONDS ?? 2);
const WARMUP_SECONDS = 1;
const TARGET_CACHED = 20_000;
const TARGET_NEW = 3_000;

type Body = { body: { note: { text: string | null } } };

function toEvent(body: Record<string, unknown>, host: string): Event {
  return normalize({ source: 'bench', payload: body, misskeyHost: host });
}

/** The notes of an event whose MFM text a template renders: the note, its renote and its reply. */
function mfmNotes(event: Event): Note[] {
  const note = eventNote(event);
  return note ? [note, note.renote, note.reply].filter((one): one is Note => one !== null && one !== undefined && one.text !== null) : [];
}

/** Before each render, gives every MFM text of the event a number no render used before. */
function renewer(events: readonly Event[]): (index: number) => void {
  const texts = events.map((event) => mfmNotes(event).map((note) => ({ note, text: note.text! })));
  let serial = 0;
  return (index) => {
    serial++;
    for (const { note, text } of texts[index]!) note.text = `${text} ${serial}`;
  };
}

interface Rate {
  /** notes per second of wall-clock time */
  wall: number;
  /** notes per second of CPU time of the whole process (the parser's thread included) */
  cpu: number;
}

/**
 * Renders the events round-robin for `seconds`; notes per second. With `renew`, every note
 * text is new to the parser.
 */
function measure(events: readonly Event[], platform: Platform, templates: TemplateSet, seconds: number, renew?: (index: number) => void): Rate {
  let rendered = 0;
  let sink = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const until = started + seconds * 1000;
  while (performance.now() < until) {
    // a batch between clock reads keeps performance.now() out of the figure
    for (let i = 0; i < 16; i++) {
      const index = rendered % events.length;
      renew?.(index);
      const event = events[index]!;
      sink += renderMessage(event, eventName(event), platform, templates).text.length;
      rendered++;
    }
  }
  const wall = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  if (sink < 0) throw new Error('unreachable');
  return { wall: rendered / wall, cpu: rendered / ((used.user + used.system) / 1e6) };
}

/** The wall-clock rate, and the CPU-time one: on a shared machine the second moves less. */
const rate = (r: Rate) => `${fmt.int(r.wall)} notes/s (${fmt.int(r.cpu)} per CPU-second)`;

/**
 * Adds the render rows to `table`: every platform with the MFM parse cached, then with every note
 * new; `label` prefixes each row. Returns how many notes the corpus has.
 */
export async function addRenderRows(table: Table, label = '', seconds = SECONDS): Promise<number> {
  const render = parseConfig('sources: { bench: { secret: x } }\nsinks: {}\nroutes: []\n', 'bench.yaml', {}).render;
  const templates = TemplateSet.load([BUNDLED_TEMPLATES], render);
  const corpus = noteCorpus();
  const events = corpus.map((entry) => toEvent(entry.body, entry.host));
  // the same notes, as objects of their own whose texts change before every render
  const fresh = corpus.map((entry) => toEvent(structuredClone(entry.body), entry.host));
  const renew = renewer(fresh);
  const longest = Math.max(...corpus.map((entry) => ((entry.body as Body).body.note.text ?? '').length));
  const texts = fresh.reduce((sum, event) => sum + mfmNotes(event).length, 0);
  process.stderr.write(
    `${events.length} notes (${corpus.filter((entry) => entry.name.startsWith('long/')).length} long, up to ${fmt.int(longest)} characters), ${texts} MFM texts\n`,
  );

  // the platforms share most of the code: warm it all up once, then each platform on its own
  for (const platform of PLATFORMS) measure(events, platform, templates, WARMUP_SECONDS / 2);
  for (const platform of PLATFORMS) {
    measure(events, platform, templates, WARMUP_SECONDS);
    const cached = measure(events, platform, templates, seconds);
    table.add(`${label}${platform}, corpus (MFM parse cached)`, rate(cached), `≥ ${fmt.int(TARGET_CACHED)}`, cached.wall >= TARGET_CACHED);
  }
  for (const platform of PLATFORMS) {
    measure(fresh, platform, templates, WARMUP_SECONDS, renew);
    const uncached = measure(fresh, platform, templates, seconds, renew);
    table.add(`${label}${platform}, every note new (parsed)`, rate(uncached), `≥ ${fmt.int(TARGET_NEW)}`, uncached.wall >= TARGET_NEW);
  }
  await stopMfmParser();
  return events.length;
}

async function main(): Promise<void> {
  const started = Date.now();
  const table = new Table();
  const notes = await addRenderRows(table);
  process.stdout.write('\n');
  table.print(`misskey-bridge bench:render — ${notes} notes, ${os.cpus().length} cores (one used), Node ${process.version}, ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
