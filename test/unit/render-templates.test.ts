/**
 * Templates are checked at load and compiled on first use; the runtime set up once per
 * environment renders exactly what Handlebars' own top-level call renders.
 */
import Handlebars from 'handlebars';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { eventName, type Event } from '../../src/normalize/event';
import { normalize } from '../../src/normalize/normalize';
import { createEnvironment, renderFunction } from '../../src/render/environment';
import { splitFrontMatter } from '../../src/render/front-matter';
import { PLATFORMS } from '../../src/render/message';
import { stopMfmParser } from '../../src/render/mfm';
import { renderMessage } from '../../src/render/render';
import { buildView, type TemplateView } from '../../src/render/view';
import { BUNDLED_TEMPLATES, PLATFORM_TARGET, TemplateSet } from '../../src/render/templates';
import { allFixtures } from '../helpers/fixtures';

const SETTINGS = { timeZone: 'UTC', locale: 'en', slackCw: 'link' as const };
const wording = TemplateSet.load([BUNDLED_TEMPLATES], SETTINGS).wording();

const events: Event[] = allFixtures().flatMap((fixture) => {
  try {
    return [normalize({ source: 'alice', payload: fixture.body, misskeyHost: fixture.host })];
  } catch {
    return [];
  }
});

afterAll(() => stopMfmParser());

describe('compile on first use', () => {
  const generator = (Handlebars as unknown as { JavaScriptCompiler: { prototype: { compile: () => unknown } } }).JavaScriptCompiler.prototype;

  it('checks every file at load but generates no render function until a template is used', () => {
    const compile = jest.spyOn(generator, 'compile');
    try {
      const templates = TemplateSet.load([BUNDLED_TEMPLATES], SETTINGS);
      expect(compile).not.toHaveBeenCalled();
      expect(templates.names()).toContain('note');
      expect(templates.has('note')).toBe(true);

      const note = events.find((event) => eventName(event) === 'note')!;
      const template = templates.get('note', 'discord');
      expect(template).toBeDefined();
      renderMessage(note, 'note', 'discord', templates);
      const afterFirst = compile.mock.calls.length;
      expect(afterFirst).toBeGreaterThan(0);
      expect(templates.get('note', 'discord')).toBe(template);
      renderMessage(note, 'note', 'discord', templates);
      expect(compile.mock.calls.length).toBe(afterFirst);

      renderMessage(note, 'note', 'slack', templates);
      expect(compile.mock.calls.length).toBeGreaterThan(afterFirst);
      expect(templates.get('nothing', 'slack')).toBeUndefined();
    } finally {
      compile.mockRestore();
    }
  });

  it('renders every event the same whichever platform is compiled first', () => {
    const eager = TemplateSet.load([BUNDLED_TEMPLATES], SETTINGS);
    const lazy = TemplateSet.load([BUNDLED_TEMPLATES], SETTINGS);
    for (const name of eager.names()) for (const platform of PLATFORMS) eager.get(name, platform);
    for (const platform of [...PLATFORMS].reverse()) {
      for (const event of events) {
        expect(renderMessage(event, eventName(event), platform, lazy)).toEqual(renderMessage(event, eventName(event), platform, eager));
      }
    }
  });
});

describe('the prepared runtime', () => {
  const files = readdirSync(BUNDLED_TEMPLATES).filter((file) => file.endsWith('.hbs'));
  const bodies = files.map((file) => splitFrontMatter(readFileSync(path.join(BUNDLED_TEMPLATES, file), 'utf8')).body);
  const extra = [
    '{{#each note.files}}{{@index}}: {{name}} {{lookup this "url"}}{{/each}}',
    '{{#with note.user}}{{name}} {{../event.type}}{{/with}} {{lookup note "text"}} {{note.constructor}} {{note.__proto__}}',
    '{{#unless note.cw}}none{{else}}{{note.cw}}{{/unless}} {{@root.event.id}} {{default note.cw "x"}}',
  ];

  it.each(PLATFORMS)('%s: renders what a plain Handlebars call renders', (platform) => {
    const env = createEnvironment({ ...SETTINGS, target: PLATFORM_TARGET[platform] });
    const options = { knownHelpersOnly: true, knownHelpers: Object.fromEntries(Object.keys(env.helpers).map((name) => [name, true])) };
    for (const text of [...bodies, ...extra]) {
      const compiled = env.compile(text, options);
      const fast = renderFunction<TemplateView>(env, compiled);
      for (const event of events) {
        const view = buildView(event);
        expect(fast(view, wording)).toBe(compiled(view, { data: { wording }, allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false }));
      }
    }
  });
});
