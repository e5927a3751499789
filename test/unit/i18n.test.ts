import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { checkCommand } from '../../src/commands/check';
import { parseConfig } from '../../src/config/load';
import { readerOf } from '../../src/config/locale';
import { cardLabels } from '../../src/interact/wording';
import { eventName, type Event } from '../../src/normalize/event';
import { normalize } from '../../src/normalize/normalize';
import { Catalogs } from '../../src/render/catalog';
import { renderDigest } from '../../src/render/digest';
import { PLATFORMS, type Message } from '../../src/render/message';
import { stopMfmParser } from '../../src/render/mfm';
import { renderMessage } from '../../src/render/render';
import { BUNDLED_TEMPLATES, TemplateSet } from '../../src/render/templates';
import { allFixtures, fixture } from '../helpers/fixtures';

const SETTINGS = { timeZone: 'UTC', locale: 'en', slackCw: 'link' as const };
const JA = { locale: 'ja', timeZone: 'Asia/Tokyo' };
const catalog = (language: string) => JSON.parse(readFileSync(path.join(BUNDLED_TEMPLATES, 'locales', `${language}.json`), 'utf8')) as Record<string, string>;
const EN = catalog('en');

afterAll(() => stopMfmParser());

/** The literal text of a message, every branch of it, in pieces between its arguments. */
function literals(elements: MessageFormatElement[]): string[] {
  return elements.flatMap((element) => {
    if (element.type === TYPE.literal) return [element.value];
    if (element.type === TYPE.plural || element.type === TYPE.select) return Object.values(element.options).flatMap((option) => literals(option.value));
    return [];
  });
}

/** English words the catalog adds: pieces with a word in them, that the Japanese catalog does not share. */
function englishFragments(): string[] {
  const shared = new Set(Object.values(catalog('ja')).flatMap((message) => literals(parse(message, { ignoreTag: true })).map((piece) => piece.trim())));
  const pieces = Object.values(EN).flatMap((message) => literals(parse(message, { ignoreTag: true })).map((piece) => piece.trim()));
  return [...new Set(pieces)].filter((piece) => /[A-Za-z]{3}/.test(piece) && !shared.has(piece));
}

const count = (haystack: string, needle: string) => haystack.split(needle).length - 1;
/** each part of a message on its own (text and plain both show the note), links taken out (a note's URL has "notes" in it) */
const written = (message: Message) =>
  [message.text, message.plain, message.title ?? '', message.footer ?? '', message.fields.map((field) => field.value).join('\n')].map((part) =>
    part.replace(/https?:\/\/[^\s)"'<>|]+/g, ''),
  );
/** the English pieces some part of the message shows more often than the event's own content has them */
const addedEnglish = (parts: string[], content: string, fragments: string[]) =>
  fragments.filter((piece) => parts.some((part) => count(part, piece) > count(content, piece)));

const events: { name: string; event: Event; content: string }[] = allFixtures().flatMap((f) => {
  try {
    return [{ name: f.name, event: normalize({ source: 'alice', payload: f.body, misskeyHost: f.host }), content: JSON.stringify(f.body) }];
  } catch {
    return [];
  }
});

describe('Japanese wording', () => {
  const templates = TemplateSet.load([BUNDLED_TEMPLATES], SETTINGS);
  const fragments = englishFragments();

  it('has English pieces to look for', () => {
    expect(fragments).toEqual(expect.arrayContaining(['followed you', 'Open note', 'Review reports', 'held during quiet hours']));
  });

  it.each(PLATFORMS)('%s: no fixture rendered for a ja reader shows a word of the English catalog', (platform) => {
    for (const { name, event, content } of events) {
      const message = renderMessage(event, eventName(event), platform, templates, JA);
      // a piece may appear only as often as the event's own content has it (a note written in English)
      expect({ fixture: name, english: addedEnglish(written(message), content, fragments) }).toEqual({ fixture: name, english: [] });
    }
    const digest = written(renderDigest(events.map(({ event }) => event), 'quiet', platform, templates, JA));
    expect(addedEnglish(digest, events.map((entry) => entry.content).join('\n'), fragments)).toEqual([]);
  });

  it('words the card buttons and the Matrix hint in Japanese', () => {
    const labels = Object.values(cardLabels(templates.wording(JA), true)).join('\n');
    expect(fragments.filter((piece) => labels.includes(piece))).toEqual([]);
    expect(cardLabels(templates.wording(JA), false)).toEqual({ resolve: '解決', forward: '解決して転送', open: 'Misskeyで開く', hint: '✅ でリアクションすると解決します' });
  });

  it('follows Misskey’s own terms', () => {
    const follow = renderMessage(normalize({ source: 'alice', payload: fixture('followed.local.json').body, misskeyHost: 'misskey.example' }), 'followed', 'console', templates, JA);
    expect(follow.title).toBe('carolにフォローされました');
    const renote = normalize({ source: 'alice', payload: fixture('note.pure-renote.json').body, misskeyHost: 'misskey.example' });
    expect(renderMessage(renote, 'note', 'console', templates, JA).title).toMatch(/リノートしました$/);
  });

  it('shows dates in the reader’s locale and zone where the platform does not (console, Matrix, Slack’s fallback text)', () => {
    const deleted = normalize({ source: 'alice', payload: { ...fixture('note.basic.json').body, type: 'noteDeleted', createdAt: Date.UTC(2026, 0, 2, 15, 4) }, misskeyHost: 'misskey.example' });
    expect(renderMessage(deleted, 'noteDeleted', 'console', templates, JA).text).toContain('（削除済み） 2026/01/03 0:04');
    expect(renderMessage(deleted, 'noteDeleted', 'matrix', templates, JA).text).toContain('2026/01/03 0:04');
    expect(renderMessage(deleted, 'noteDeleted', 'slack', templates, JA).text).toContain('<!date^1767366240^{date_short_pretty} {time}|2026/01/03 0:04>');
    expect(renderMessage(deleted, 'noteDeleted', 'discord', templates, JA).text).toContain('<t:1767366240:f>');
  });
});

describe('the catalogs', () => {
  it('use every key somewhere: the bundled templates or the code', () => {
    const sources = [
      ...readdirSync(BUNDLED_TEMPLATES).filter((file) => file.endsWith('.hbs')).map((file) => readFileSync(path.join(BUNDLED_TEMPLATES, file), 'utf8')),
      ...sourceFiles(path.resolve(__dirname, '../../src')).map((file) => readFileSync(file, 'utf8')),
    ].join('\n');
    expect(Object.keys(EN).filter((key) => !sources.includes(`"${key}"`) && !sources.includes(`'${key}'`))).toEqual([]);
  });

  it('have the same keys in every language', () => {
    expect(Object.keys(catalog('ja')).sort()).toEqual(Object.keys(EN).sort());
  });

  const wordings = Catalogs.load([BUNDLED_TEMPLATES]);
  const en = wordings.wording({ locale: 'en', timeZone: 'UTC' });
  const ja = wordings.wording(JA);

  it.each([
    [0, '0 votes', '0票'],
    [1, '1 vote', '1票'],
    [12, '12 votes', '12票'],
  ])('count %d with the plural rules of each language', (n, english, japanese) => {
    expect(en.text('poll.votes', { count: n })).toBe(english);
    expect(ja.text('poll.votes', { count: n })).toBe(japanese);
  });

  it.each([
    [0, '0 new followers', '新しいフォロワー0人', 'within about 0 hours'],
    [1, '1 new follower', '新しいフォロワー1人', 'within about 1 hour,'],
    [1500, '1,500 new followers', '新しいフォロワー1,500人', 'within about 1,500 hours'],
  ])('digest headlines and time left for %d', (n, english, japanese, hours) => {
    expect(en.text('digest.count', { type: 'followed', count: n })).toBe(english);
    expect(ja.text('digest.count', { type: 'followed', count: n })).toBe(japanese);
    expect(en.text('moderators.inactiveBody', { host: 'x', hours: n })).toContain(hours);
  });

  it('name an event type they do not know by its own name', () => {
    expect(en.text('digest.count', { type: 'pollEnded', count: 2 })).toBe('2 pollEnded events');
    expect(ja.text('digest.count', { type: 'pollEnded', count: 2 })).toBe('pollEndedイベント2件');
  });

  it('read ja-JP with the ja catalog, and a language without one in English', () => {
    expect(wordings.wording({ locale: 'ja-JP', timeZone: 'UTC' }).text('card.resolve')).toBe('解決');
    expect(wordings.wording({ locale: 'de', timeZone: 'UTC' }).text('card.resolve')).toBe('Resolve');
    expect(wordings.speaks('ja-JP')).toBe(true);
    expect(wordings.speaks('en-GB')).toBe(true);
    expect(wordings.speaks('de')).toBe(false);
  });
});

describe("an operator's templates and catalogs", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mkb-i18n-'));
    mkdirSync(path.join(dir, 'locales'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const mention = () => normalize({ source: 'alice', payload: fixture('mention.local.json').body, misskeyHost: 'misskey.example' });

  it('a template without the helper renders as written, for every reader', () => {
    writeFileSync(path.join(dir, 'mention.hbs'), '---\ntitle: "ping from {{actor.name}}"\n---\n{{actor.name}} wrote: {{excerpt note 50}}\n');
    const templates = TemplateSet.load([BUNDLED_TEMPLATES, dir], SETTINGS);
    for (const reader of [JA, { locale: 'en', timeZone: 'UTC' }]) {
      const message = renderMessage(mention(), 'mention', 'console', templates, reader);
      expect(message.title).toBe('ping from Bob');
      expect(message.text).toMatch(/^Bob wrote: @alice/);
    }
  });

  it('a template naming a message no catalog has is refused at load, with its line', () => {
    writeFileSync(path.join(dir, 'mention.hbs'), 'first line\n{{link note.url (t "common.opneNote")}}\n');
    expect(() => TemplateSet.load([BUNDLED_TEMPLATES, dir], SETTINGS)).toThrow(/mention\.hbs:2: \{\{t "common\.opneNote"\}\}: no such message in the catalogs/);
  });

  it('a catalog overrides the bundled one key by key', () => {
    writeFileSync(path.join(dir, 'locales', 'ja.json'), JSON.stringify({ 'mention.title': '{actor}さんからメンションが届きました' }));
    const templates = TemplateSet.load([BUNDLED_TEMPLATES, dir], SETTINGS);
    const message = renderMessage(mention(), 'mention', 'console', templates, JA);
    expect(message.title).toBe('Bobさんからメンションが届きました');
    expect(message.text).toContain('ノートを開く');
    expect(templates.catalogs.warnings).toEqual([]);
  });

  it('a missing key falls back to English, and check says which', () => {
    writeFileSync(path.join(dir, 'locales', 'de.json'), JSON.stringify({ 'mention.title': '{actor} hat dich erwähnt', 'common.openNote': 'Notiz öffnen {' }));
    const file = path.join(dir, 'config.yaml');
    writeFileSync(file, `templates: ${dir}\nlocale: de\nsources: { alice: { secret: x } }\nsinks: { t: { type: console }, j: { type: console, locale: ja }, f: { type: console, locale: fr } }\nroutes: [{ name: all, events: ["*"], to: [t, j, f] }]\n`);
    const templates = TemplateSet.load([BUNDLED_TEMPLATES, dir], SETTINGS);
    const message = renderMessage(mention(), 'mention', 'console', templates, { locale: 'de', timeZone: 'UTC' });
    expect(message.title).toBe('Bob hat dich erwähnt');
    expect(message.text).toContain('Open note');
    const report = checkCommand(file);
    expect(report.problems).toEqual([]);
    expect(report.warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/de\.json: "common\.openNote": .*; the English message is used$/),
        expect.stringMatching(/de\.json: no message for .*"follow\.title".*; the English ones are used$/),
        'sink "f": no catalog for "fr", so its messages are in English (add locales/fr.json to the templates folder)',
      ]),
    );
    expect(report.warnings.join('\n')).not.toMatch(/sink "j"|sink "t"|default locale/);
  });

  it('a catalog that is not JSON is a warning, never a crash', () => {
    writeFileSync(path.join(dir, 'locales', 'ja.json'), '{ not json');
    writeFileSync(path.join(dir, 'locales', 'xx.json'), JSON.stringify({ 'no.such.key': 'x' }));
    const templates = TemplateSet.load([BUNDLED_TEMPLATES, dir], SETTINGS);
    expect(renderMessage(mention(), 'mention', 'console', templates, JA).title).toBe('Bobからのメンション');
    expect(templates.catalogs.warnings).toEqual([
      expect.stringMatching(/ja\.json: .*JSON.*; the catalog is ignored$/),
      expect.stringMatching(/xx\.json: "no\.such\.key" is not a message the bridge writes; ignored$/),
      expect.stringMatching(/xx\.json: no message for /),
    ]);
  });
});

describe('locale and timezone in the config', () => {
  const yaml = (top: string, sink = '') => `${top}\nsources: { alice: { secret: x } }\nsinks: { s: { type: console${sink} } }\nroutes: []\n`;
  const reader = (top: string, sink?: string) => readerOf(parseConfig(yaml(top, sink), 'test.yaml', {}), 's');

  it('defaults to English and UTC', () => {
    expect(reader('')).toEqual({ locale: 'en', timeZone: 'UTC' });
  });

  it('reads the older render.locale and render.timeZone', () => {
    expect(reader('render: { locale: ja, timeZone: Asia/Tokyo }')).toEqual({ locale: 'ja', timeZone: 'Asia/Tokyo' });
  });

  it('lets the top level win over render, and a sink over both', () => {
    expect(reader('locale: ja\ntimezone: Asia/Tokyo\nrender: { locale: en, timeZone: UTC }')).toEqual({ locale: 'ja', timeZone: 'Asia/Tokyo' });
    expect(reader('locale: ja\ntimezone: Asia/Tokyo', ', locale: en-GB, timezone: Europe/London')).toEqual({ locale: 'en-GB', timeZone: 'Europe/London' });
  });

  it('refuses what is not a locale or a zone', () => {
    expect(() => reader('locale: "not a locale"')).toThrow(/BCP 47/);
    expect(() => reader('', ', timezone: Mars/Olympus')).toThrow(/unknown time zone/);
  });
});

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}
