import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Event } from '../../src/normalize/event';
import { normalize } from '../../src/normalize/normalize';
import { silentLogger } from '../../src/observe/logger';
import { renderMessage } from '../../src/render/render';
import { TemplateStore } from '../../src/render/template-store';
import { BUNDLED_TEMPLATES, TemplateSet, htmlLineBreaks } from '../../src/render/templates';
import { checkMatrixHtml } from '../fakes/matrix-html-allowlist';
import { fixture } from '../helpers/fixtures';

const SETTINGS = { timeZone: 'UTC', locale: 'en', slackCw: 'link' as const };
const bundled = TemplateSet.load([BUNDLED_TEMPLATES], SETTINGS);

type Payload = { body: Record<string, Record<string, unknown>> };

function event(name: string, patch: (payload: Payload) => void = () => undefined): Event {
  const body = structuredClone(fixture(name).body) as Payload;
  patch(body);
  return normalize({ source: 'alice', payload: body, misskeyHost: 'misskey.example' });
}

const HOSTILE_NAME = '@everyone <@123456789012345678> <!channel> <b>x</b> @room ||spoiler|| *bold* [x](https://evil.example)';

describe('templates and platform escaping', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'templates-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const load = (files: Record<string, string>) => {
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), text);
    }
    return TemplateSet.load([BUNDLED_TEMPLATES, dir], SETTINGS);
  };

  it('escapes {{values}} for each platform, so a hostile name stays text', () => {
    const hostile = event('followed.local.json', (payload) => {
      payload.body.user!.name = HOSTILE_NAME;
    });
    const templates = load({ 'followed.hbs': 'Name: {{user.name}}{{#if user}} and in a block: {{user.name}}{{/if}}' });
    const discord = renderMessage(hostile, 'followed', 'discord', templates).text;
    const slack = renderMessage(hostile, 'followed', 'slack', templates).text;
    const matrix = renderMessage(hostile, 'followed', 'matrix', templates).text;
    expect(discord).not.toMatch(/@everyone\b|<@\d|\|\||&lt;/);
    expect(discord.split('\\*bold\\*')).toHaveLength(3);
    expect(slack).not.toMatch(/<[!@]/);
    expect(slack.split('&lt;!channel&gt;')).toHaveLength(3);
    expect(slack).not.toContain('&#x');
    expect(matrix).toContain('&lt;b&gt;x&lt;/b&gt;');
    expect(checkMatrixHtml(matrix)).toEqual([]);
  });

  it('renders the bundled template of every sample through every platform', () => {
    for (const name of ['note.mfm.json', 'note.cw.json', 'note.files.json', 'reply.remote.json', 'abuseReport.json', 'follow.remote.json', 'inactiveModeratorsWarning.json']) {
      const e = event(name);
      for (const platform of ['discord', 'slack', 'matrix', 'console'] as const) {
        const message = renderMessage(e, e.type, platform, bundled);
        expect(message.text).not.toContain('failed to render');
        expect(message.text.length).toBeGreaterThan(10);
        if (platform === 'matrix') expect(checkMatrixHtml(message.text)).toEqual([]);
      }
    }
  });

  it('hides CW text behind a spoiler, and never shows it where there is none', () => {
    const cw = event('note.cw.json');
    expect(renderMessage(cw, 'note', 'discord', bundled).text).toMatch(/\|\|[^|]*The butler did it\.[^|]*\|\|/s);
    expect(renderMessage(cw, 'note', 'matrix', bundled).text).toMatch(/<span data-mx-spoiler="[^"]*">[^<]*犯人は執事だった/);
    for (const platform of ['slack', 'matrix', 'discord'] as const) {
      expect(renderMessage(cw, 'note', platform, bundled).plain).not.toContain('The butler did it');
    }
    expect(renderMessage(cw, 'note', 'slack', bundled).text).not.toContain('The butler did it');
  });

  it('quotes the replied-to note without revealing its CW text or raw MFM', () => {
    const reply = event('reply.local.json', (payload) => {
      const parent = (payload.body.note as { reply: { cw: string | null; text: string } }).reply;
      parent.cw = 'finale spoilers';
      parent.text = 'the butler $[tada did] it';
    });
    for (const platform of ['discord', 'slack', 'matrix', 'console'] as const) {
      const message = renderMessage(reply, 'reply', platform, bundled);
      expect(message.text).toContain('finale spoilers');
      expect(`${message.text}\n${message.plain}`).not.toContain('butler');
    }
    const plainParent = event('reply.local.json', (payload) => {
      (payload.body.note as { reply: { text: string } }).reply.text = 'see $[tada **this**]';
    });
    expect(renderMessage(plainParent, 'reply', 'console', bundled).text).toContain('> see this');
  });

  it('marks sensitive files and images', () => {
    const files = event('note.files.json');
    const message = renderMessage(files, 'note', 'discord', bundled);
    expect(message.text).toMatch(/\|\|\[IMG\\_2041\.jpg\]\(<https:[^>]+>\)\|\|/);
    expect(message.images.find((image) => image.alt === 'IMG_2041.jpg')?.sensitive).toBe(true);
  });

  it('takes a platform override over the shared template', () => {
    const templates = load({ 'mention.hbs': 'shared', 'slack/mention.hbs': 'for slack' });
    const mention = event('mention.local.json');
    expect(renderMessage(mention, 'mention', 'slack', templates).text).toBe('for slack');
    expect(renderMessage(mention, 'mention', 'discord', templates).text).toBe('shared');
  });

  it('reads title, colour and footer from front matter', () => {
    const templates = load({ 'mention.hbs': '---\ntitle: "{{actor.name}} said"\ncolor: "#ff8800"\nfooter: "{{event.host}}"\n---\nbody' });
    const message = renderMessage(event('mention.local.json'), 'mention', 'discord', templates);
    expect(message).toMatchObject({ title: 'Bob said', color: 0xff8800, footer: 'misskey.example', text: 'body' });
  });

  it('falls back to the generic template for event types without one', () => {
    const other = normalize({ source: 'alice', payload: { ...fixture('note.basic.json').body, type: 'noteBookmarked' } });
    expect(renderMessage(other, 'noteBookmarked', 'console', bundled).text).toContain('“noteBookmarked” event');
  });

  it('words a fork’s edited note with its own template (Sharkey `edited`, `noteUpdated`)', () => {
    for (const type of ['edited', 'noteUpdated']) {
      const edited = normalize({ source: 'alice', payload: { ...fixture('note.basic.json').body, type } });
      const message = renderMessage(edited, type, 'discord', bundled);
      expect(message.title).toMatch(/edited a note$/);
      expect(message.footer).toContain('edited');
      expect(message.text).toContain('*(edited)*');
    }
  });

  describe('noteDeleted', () => {
    const deleted = (body: Record<string, unknown>) =>
      normalize({ source: 'alice', payload: { ...fixture('note.basic.json').body, type: 'noteDeleted', body }, misskeyHost: 'misskey.example' });
    const note = () => structuredClone((fixture('note.basic.json').body as Payload).body.note!) as Record<string, unknown>;

    it('strikes the note’s text on every platform and says it was deleted', () => {
      const event = deleted({ note: { ...note(), text: 'first line\n\nsecond line', cw: null } });
      expect(renderMessage(event, 'noteDeleted', 'discord', bundled)).toMatchObject({
        title: expect.stringMatching(/^🗑️ .+'s note was deleted$/),
        footer: 'misskey.example · deleted',
        text: expect.stringMatching(/^~~first line~~\n\n~~second line~~\n\*\(deleted\)\* <t:\d+:f>$/),
      });
      expect(renderMessage(event, 'noteDeleted', 'slack', bundled).text).toMatch(/^~first line~\n\n~second line~\n_\(deleted\)_ /);
      const matrix = renderMessage(event, 'noteDeleted', 'matrix', bundled).text;
      expect(matrix).toMatch(/^<del>first line<br><br>second line<\/del><br><em>\(deleted\)<\/em> /);
      expect(checkMatrixHtml(matrix)).toEqual([]);
      expect(renderMessage(event, 'noteDeleted', 'console', bundled).text).toMatch(/^first line\n\nsecond line\n\(deleted\) /);
    });

    it('reads the note id alone, as `{ noteId }` or `{ note: { id } }`', () => {
      for (const body of [{ noteId: 'a8zgu8tl04' }, { note: { id: 'a8zgu8tl04' } }]) {
        const event = deleted(body);
        expect(event).toMatchObject({ type: 'unknown', unknownType: 'noteDeleted', note: null, noteId: 'a8zgu8tl04' });
        const message = renderMessage(event, 'noteDeleted', 'discord', bundled);
        expect(message).toMatchObject({ title: '🗑️ This note was deleted', footer: 'misskey.example · deleted' });
        expect(message.text).toMatch(/^\*\(deleted\)\* <t:\d+:f>$/);
      }
      expect(deleted({ noteId: 'not an id!' })).not.toHaveProperty('noteId');
    });
  });

  it('strikes line by line where the strike does not span lines, keeping quotes and code fences', () => {
    const templates = load({ 'note.hbs': '{{#strike}}> quoted\n```\ncode\n```\nplain{{/strike}} {{strike "a *b*"}}' });
    expect(renderMessage(event('note.basic.json'), 'note', 'discord', templates).text).toBe('> ~~quoted~~\n```\ncode\n```\n~~plain~~ ~~a \\*b\\*~~');
    expect(renderMessage(event('note.basic.json'), 'note', 'slack', templates).text).toBe('> ~quoted~\n```\ncode\n```\n~plain~ ~a *b*~');
    // Discord: a strike already in the text would end the outer one early
    const nested = load({ 'note.hbs': '{{#strike}}{{mfm "a ~~b~~ c `~~d~~` ~ e"}}{{/strike}}' });
    expect(renderMessage(event('note.basic.json'), 'note', 'discord', nested).text).toBe('~~a b c `~~d~~` \\~ e~~');
  });

  it.each([
    ['a syntax error', 'line one\n{{#if note}}\nunclosed', /broken\.hbs:\d+: /],
    ['an unknown helper', 'ok\n{{shout note.text}}', /broken\.hbs:2: .*unknown helper shout/],
    ['triple braces', 'ok\n\n{{{note.text}}}', /broken\.hbs:3: triple braces/],
    ['a partial', '{{> header}}', /broken\.hbs:1: partials are not supported/],
    ['bad front matter', '---\ncolour: red\n---\nx', /broken\.hbs:1: front matter/],
    ['an error below front matter', '---\ntitle: x\n---\nfine\n{{#each}}', /broken\.hbs:5: /],
  ])('refuses %s with file:line', (_what, text, message) => {
    expect(() => load({ 'broken.hbs': text })).toThrow(message);
  });

  it('keeps the last good templates when an edit breaks, and takes the next good one', () => {
    writeFileSync(path.join(dir, 'mention.hbs'), 'first');
    const store = new TemplateStore([BUNDLED_TEMPLATES, dir], SETTINGS, silentLogger());
    const mention = event('mention.local.json');
    writeFileSync(path.join(dir, 'mention.hbs'), '{{#if}}broken');
    expect(store.reload()).toBe(false);
    expect(renderMessage(mention, 'mention', 'console', store.get()).text).toBe('first');
    writeFileSync(path.join(dir, 'mention.hbs'), 'second');
    expect(store.reload()).toBe(true);
    expect(renderMessage(mention, 'mention', 'console', store.get()).text).toBe('second');
  });

  it('turns line breaks outside <pre> into <br> for Matrix', () => {
    expect(htmlLineBreaks('a\nb<pre><code>x\ny</code></pre>\nc')).toBe('a<br>b<pre><code>x\ny</code></pre><br>c');
  });
});
