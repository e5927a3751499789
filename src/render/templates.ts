import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Catalogs, type Reader, type Wording } from './catalog';
import { PLATFORMS, type Platform } from './message';
import { createEnvironment, type Environment } from './environment';
import { splitFrontMatter } from './front-matter';
import type { HelperSettings } from './helpers';
import type { MfmTarget } from './mfm';
import { CheckedPart, checkText, type Render } from './template-check';

/** The templates shipped with the bridge; an operator's folder overrides them file by file. */
export const BUNDLED_TEMPLATES = path.resolve(__dirname, '../../templates');

/** Name of the template used for event types that have none of their own. */
export const FALLBACK_TEMPLATE = 'unknown';

/** One template compiled for one platform: its markup and the plain text beside it. */
export interface PlatformTemplate {
  name: string;
  file: string;
  text: Render;
  plain: Render;
  title?: Render;
  footer?: Render;
  color?: number;
}

export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

/** Markup each platform's message text is written in. */
export const PLATFORM_TARGET: Record<Platform, MfmTarget> = {
  discord: 'discord',
  slack: 'slack',
  matrix: 'matrix',
  console: 'plain',
};

/** How the helpers write (HelperSettings but the markup), and whom a message is for unless told. */
export type RenderSettings = Omit<HelperSettings, 'target'> & Reader;

/**
 * Every template of every platform, each file read, parsed and checked at load so that a broken
 * file is found at start-up (and on reload), never while rendering. Compiling to render functions
 * waits for the first `get` of a template for a platform: a platform without sinks costs nothing.
 */
export class TemplateSet {
  private readonly compiled = new Map<string, PlatformTemplate>();

  private constructor(
    private readonly templates: Map<string, CheckedTemplate>,
    /** the message catalogs read with the templates, from the same folders */
    readonly catalogs: Catalogs,
    /** whom a message is for when the caller names no reader */
    private readonly reader: Reader,
  ) {}

  /**
   * Loads the bundled templates, then the operator's folder over them, for these platforms (all
   * unless told: a bridge needs only its sinks'). Throws TemplateError naming file:line.
   */
  static load(folders: string[], settings: RenderSettings, platforms: readonly Platform[] = PLATFORMS): TemplateSet {
    const envs = environments(settings);
    const sources = collectSources(folders);
    const catalogs = Catalogs.load(folders);
    const keys = new Set(catalogs.keys());
    const templates = new Map<string, CheckedTemplate>();
    // a shared file's plain text (and everything else in the same markup) is checked and compiled once
    const parts = new Map<string, CheckedPart>();
    for (const [name, byPlatform] of sources) {
      for (const platform of platforms) {
        const file = byPlatform.get(platform) ?? byPlatform.get('*');
        if (file) templates.set(key(name, platform), checkFile(name, file, envs, PLATFORM_TARGET[platform], parts, keys));
      }
    }
    return new TemplateSet(templates, catalogs, readerOf(settings));
  }

  /** One template's text checked as `load` checks a file (same checks, `file:line` errors), for these platforms. */
  static fromText(name: string, file: string, source: string, platforms: readonly Platform[], settings: RenderSettings, catalogs: Catalogs): TemplateSet {
    const envs = environments(settings);
    const parts = new Map<string, CheckedPart>();
    const keys = new Set(catalogs.keys());
    const check = (platform: Platform) => checkFile(name, file, envs, PLATFORM_TARGET[platform], parts, keys, source);
    return new TemplateSet(new Map(platforms.map((platform) => [key(name, platform), check(platform)])), catalogs, readerOf(settings));
  }

  /** The words and dates of a reader (the configured default one unless told). */
  wording(reader: Reader = this.reader): Wording {
    return this.catalogs.wording(reader);
  }

  /** The named template for a platform, or undefined; compiled on its first use. */
  get(name: string, platform: Platform): PlatformTemplate | undefined {
    const id = key(name, platform);
    const done = this.compiled.get(id);
    if (done !== undefined) return done;
    const checked = this.templates.get(id);
    if (checked === undefined) return undefined;
    const template = compileTemplate(checked);
    this.compiled.set(id, template);
    return template;
  }

  has(name: string): boolean {
    return PLATFORMS.some((platform) => this.templates.has(key(name, platform)));
  }

  names(): string[] {
    return [...new Set([...this.templates.values()].map((template) => template.name))].sort();
  }
}

const key = (name: string, platform: Platform) => `${platform}/${name}`;

/** A template file for one platform, checked, not yet compiled. */
interface CheckedTemplate {
  name: string;
  file: string;
  target: MfmTarget;
  text: CheckedPart;
  plain: CheckedPart;
  title?: CheckedPart;
  footer?: CheckedPart;
  color?: number;
}

function environments(settings: RenderSettings): Record<MfmTarget, Environment> {
  return Object.fromEntries(
    (['discord', 'slack', 'matrix', 'plain'] as const).map((target) => [target, createEnvironment({ ...settings, target })]),
  ) as Record<MfmTarget, Environment>;
}

/** template name → (platform or '*' for the shared file) → file path; later folders win */
function collectSources(folders: string[]): Map<string, Map<string, string>> {
  const sources = new Map<string, Map<string, string>>();
  const add = (name: string, platform: string, file: string) => {
    if (!sources.has(name)) sources.set(name, new Map());
    sources.get(name)!.set(platform, file);
  };
  for (const folder of folders) {
    if (!existsSync(folder)) throw new TemplateError(`${folder}: template folder does not exist`);
    for (const entry of readdirSync(folder)) {
      const full = path.join(folder, entry);
      if (entry.endsWith('.hbs')) add(entry.slice(0, -4), '*', full);
      else if ((PLATFORMS as readonly string[]).includes(entry) && statSync(full).isDirectory()) {
        for (const inner of readdirSync(full).filter((file) => file.endsWith('.hbs'))) add(inner.slice(0, -4), entry, path.join(full, inner));
      }
    }
  }
  return sources;
}

function checkFile(
  name: string,
  file: string,
  envs: Record<MfmTarget, Environment>,
  target: MfmTarget,
  parts: Map<string, CheckedPart>,
  /** the message keys `{{t}}` may name */
  keys: ReadonlySet<string>,
  /** the file's text, when it is not read from the file (the playground's unsaved edit) */
  text?: string,
): CheckedTemplate {
  let source: string;
  let split: ReturnType<typeof splitFrontMatter>;
  try {
    source = text ?? readFileSync(file, 'utf8');
    split = splitFrontMatter(source);
  } catch (error) {
    throw new TemplateError(`${file}:1: ${(error as Error).message}`);
  }
  const { frontMatter, body, bodyLineOffset } = split;
  const check = (text: string, markup: MfmTarget, lineOffset: number, part: string): CheckedPart => {
    const cacheKey = `${markup}\0${text}`;
    let checked = parts.get(cacheKey);
    if (!checked) {
      checked = checkText(text, envs[markup], (line, message) => new TemplateError(`${file}:${line + lineOffset}: ${part}${message}`), keys);
      parts.set(cacheKey, checked);
    }
    return checked;
  };
  return {
    name,
    file,
    target,
    text: check(body, target, bodyLineOffset, ''),
    plain: check(body, 'plain', bodyLineOffset, ''),
    title: frontMatter.title === undefined ? undefined : check(frontMatter.title, target, 1, 'title: '),
    footer: frontMatter.footer === undefined ? undefined : check(frontMatter.footer, 'plain', 1, 'footer: '),
    color: frontMatter.color,
  };
}

function compileTemplate(checked: CheckedTemplate): PlatformTemplate {
  return {
    name: checked.name,
    file: checked.file,
    text: postProcess(checked.text.compile(), checked.target),
    plain: postProcess(checked.plain.compile(), 'plain'),
    title: checked.title && trimmed(checked.title.compile()),
    footer: checked.footer && trimmed(checked.footer.compile()),
    color: checked.color,
  };
}

const trimmed = (render: Render): Render => (view, wording) => render(view, wording).trim();

const readerOf = (settings: RenderSettings): Reader => ({ locale: settings.locale, timeZone: settings.timeZone });

/** Trims the edges; Matrix HTML turns line breaks outside <pre> into <br>. */
function postProcess(render: Render, target: MfmTarget): Render {
  if (target !== 'matrix') return (view, wording) => render(view, wording).trim();
  return (view, wording) => htmlLineBreaks(render(view, wording).trim());
}

export function htmlLineBreaks(html: string): string {
  if (!html.includes('\n')) return html;
  if (!html.includes('<pre')) return lineBreaks(html);
  return html
    .split(/(<pre[\s>][\s\S]*?<\/pre>)/)
    .map((part, i) => (i % 2 === 1 ? part : lineBreaks(part)))
    .join('');
}

const lineBreaks = (html: string) => html.replace(BLOCK_END_NEWLINE, '$1').replace(/\n/g, '<br>');

/** A line break right after a block element is already a break: no <br> there. */
const BLOCK_END_NEWLINE = /(<\/(?:blockquote|pre|ul|ol|p|h[1-6])>|<hr>)\n/g;
