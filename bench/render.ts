/**
 * `npm run bench:render`: notes rendered per second per platform through renderMessage
 * (src/render/render.ts) with the bundled templates, on one core, for a mixed corpus: every
 * shared fixture that carries a note (test/fixtures/misskey*) plus long MFM notes. Prints a
 * table; asserts nothing.
 *
 * Two figures per platform:
 * - "corpus": the corpus as it is, over and over. Its texts fit in the MFM parser's cache (32
 *   texts, src/render/mfm/parse.ts), so after the warm-up this is rendering without parsing, as
 *   when one note goes to several platforms.
 * - "every note new": each render gets a note text of its own (the corpus text with a number
 *   appended), so each one is parsed by mfm-js, in the parser's worker thread while this thread
 *   waits: what one sink per note costs.
 *
 * BENCH_RENDER_SECONDS sets the time per figure (2).
 */
import os from 'node:os';
import { parseConfig } from '../src/config/load';
import { eventName, type Event } from '../src/normalize/event';
import { normalize } from '../src/normalize/normalize';
import { PLATFORMS, type Platform } from '../src/render/message';
import { stopMfmParser } from '../src/render/mfm/parse';
import { renderMessage } from '../src/render/render';
import { BUNDLED_TEMPLATES, TemplateSet } from '../src/render/templates';
import { noteCorpus } from './lib/payloads';
import { fmt, Table } from './lib/table';

const SECONDS = Number(process.env.BENCH_RENDER_SECONDS ?? 2);
const WARMUP_SECONDS = 1;
const TARGET = 20_000;
/** events with distinct texts: far more than the parser's cache holds */
const VARIANTS_PER_NOTE = 150;

type Body = { body: { note: { text: string | null } } };

function toEvent(body: Record<string, unknown>, host: string): Event {
  return normalize({ source: 'bench', payload: body, misskeyHost: host });
}

/** Renders the events round-robin for `seconds`; notes per second. */
function measure(events: readonly Event[], platform: Platform, templates: TemplateSet, seconds: number): number {
  let rendered = 0;
  let sink = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  while (performance.now() < until) {
    // a batch between clock reads keeps performance.now() out of the figure
    for (let i = 0; i < 16; i++) {
      const event = events[rendered % events.length]!;
      sink += renderMessage(event, eventName(event), platform, templates).text.length;
      rendered++;
    }
  }
  if (sink < 0) throw new Error('unreachable');
  return rendered / ((performance.now() - started) / 1000);
}

async function main(): Promise<void> {
  const started = Date.now();
  const render = parseConfig('sources: { bench: { secret: x } }\nsinks: {}\nroutes: []\n', 'bench.yaml', {}).render;
  const templates = TemplateSet.load([BUNDLED_TEMPLATES], render);
  const corpus = noteCorpus();
  const events = corpus.map((entry) => toEvent(entry.body, entry.host));
  const fresh: Event[] = [];
  for (let i = 0; i < VARIANTS_PER_NOTE; i++) {
    for (const entry of corpus) {
      const body = structuredClone(entry.body) as Record<string, unknown> & Body;
      if (body.body.note.text) body.body.note.text = `${body.body.note.text} ${i}`;
      fresh.push(toEvent(body, entry.host));
    }
  }
  const longest = Math.max(...corpus.map((entry) => ((entry.body as Body).body.note.text ?? '').length));
  process.stderr.write(`${events.length} notes (${corpus.filter((entry) => entry.name.startsWith('long/')).length} long, up to ${fmt.int(longest)} characters), ${fmt.int(fresh.length)} variants\n`);

  const table = new Table();
  // the platforms share most of the code: warm it all up once, then each platform on its own
  for (const platform of PLATFORMS) measure(events, platform, templates, WARMUP_SECONDS / 2);
  for (const platform of PLATFORMS) {
    measure(events, platform, templates, WARMUP_SECONDS);
    const cached = measure(events, platform, templates, SECONDS);
    table.add(`${platform}, corpus (MFM parse cached)`, `${fmt.int(cached)} notes/s`, `≥ ${fmt.int(TARGET)}`, cached >= TARGET);
  }
  for (const platform of PLATFORMS) {
    measure(fresh, platform, templates, WARMUP_SECONDS);
    const uncached = measure(fresh, platform, templates, SECONDS);
    table.add(`${platform}, every note new (parsed)`, `${fmt.int(uncached)} notes/s`, `≥ ${fmt.int(TARGET)}`, uncached >= TARGET);
  }
  await stopMfmParser();
  process.stdout.write('\n');
  table.print(`misskey-bridge bench:render — ${events.length} notes, ${os.cpus().length} cores (one used), Node ${process.version}, ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
