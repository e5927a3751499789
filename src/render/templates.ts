import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { PLATFORMS, type Platform } from './message';
import { createEnvironment, HelperFailure, type Environment } from './environment';
import { splitFrontMatter, type FrontMatter } from './front-matter';
import type { HelperSettings } from './helpers';
import type { MfmTarget } from './mfm';
import type { TemplateView } from './view';

/** The templates shipped with the bridge; an operator's folder overrides them file by file. */
export const BUNDLED_TEMPLATES = path.resolve(__dirname, '../../templates');

/** Name of the template used for event types that have none of their own. */
export const FALLBACK_TEMPLATE = 'unknown';

type Render = (view: TemplateView) => string;

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


export type RenderSettings = Omit<HelperSettings, 'target'>;

/**
 * Every template compiled for every platform. Built at once so a broken file is found at
 * start-up (and on reload), never while rendering.
 */
export class TemplateSet {
  private constructor(private readonly templates: Map<string, PlatformTemplate>) {}

  /** Loads the bundled templates, then the operator's folder over them. Throws TemplateError naming file:line. */
  static load(folders: string[], settings: RenderSettings): TemplateSet {
    const envs = environments(settings);
    const sources = collectSources(folders);
    const templates = new Map<string, PlatformTemplate>();
    // a shared file's plain text (and everything else in the same markup) is compiled once
    const compiled = new Map<string, Render>();
    for (const [name, byPlatform] of sources) {
      for (const platform of PLATFORMS) {
        const file = byPlatform.get(platform) ?? byPlatform.get('*');
        if (file) templates.set(key(name, platform), compileFile(name, file, envs, PLATFORM_TARGET[platform], compiled));
      }
    }
    return new TemplateSet(templates);
  }

  /** One template's text compiled as `load` compiles a file (same checks, `file:line` errors), for these platforms. */
  static fromText(name: string, file: string, source: string, platforms: readonly Platform[], settings: RenderSettings): TemplateSet {
    const envs = environments(settings);
    const compiled = new Map<string, Render>();
    const compile = (platform: Platform) => compileFile(name, file, envs, PLATFORM_TARGET[platform], compiled, source);
    return new TemplateSet(new Map(platforms.map((platform) => [key(name, platform), compile(platform)])));
  }

  /** The named template for a platform, or undefined. */
  get(name: string, platform: Platform): PlatformTemplate | undefined {
    return this.templates.get(key(name, platform));
  }

  has(name: string): boolean {
    return PLATFORMS.some((platform) => this.templates.has(key(name, platform)));
  }

  names(): string[] {
    return [...new Set([...this.templates.values()].map((template) => template.name))].sort();
  }
}

const key = (name: string, platform: Platform) => `${platform}/${name}`;

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

function compileFile(
  name: string,
  file: string,
  envs: Record<MfmTarget, Environment>,
  target: MfmTarget,
  compiled: Map<string, Render>,
  text?: string,
): PlatformTemplate {
  let source: string;
  let split: ReturnType<typeof splitFrontMatter>;
  try {
    source = text ?? readFileSync(file, 'utf8');
    split = splitFrontMatter(source);
  } catch (error) {
    throw new TemplateError(`${file}:1: ${(error as Error).message}`);
  }
  const { frontMatter, body, bodyLineOffset } = split;
  const compile = (text: string, markup: MfmTarget, lineOffset: number, part: string): Render => {
    const cacheKey = `${markup}\0${text}`;
    let render = compiled.get(cacheKey);
    if (!render) {
      render = compileChecked(text, envs[markup], (line, message) => new TemplateError(`${file}:${line + lineOffset}: ${part}${message}`));
      compiled.set(cacheKey, render);
    }
    return render;
  };
  return {
    name,
    file,
    text: postProcess(compile(body, target, bodyLineOffset, ''), target),
    plain: postProcess(compile(body, 'plain', bodyLineOffset, ''), 'plain'),
    ...compileFrontMatter(frontMatter, (text, part, plain) => compile(text, plain ? 'plain' : target, 1, part)),
  };
}

function compileFrontMatter(
  frontMatter: FrontMatter,
  compile: (text: string, part: string, plain: boolean) => Render,
): Pick<PlatformTemplate, 'title' | 'footer' | 'color'> {
  return {
    title: frontMatter.title === undefined ? undefined : trimmed(compile(frontMatter.title, 'title: ', false)),
    footer: frontMatter.footer === undefined ? undefined : trimmed(compile(frontMatter.footer, 'footer: ', true)),
    color: frontMatter.color,
  };
}

/**
 * Parses and compiles at once (Handlebars compiles lazily), rejecting what would bypass the
 * platform escaping: `{{{triple}}}` and `{{& ampersand}}` output, and partials.
 */
function compileChecked(text: string, env: Environment, fail: (line: number, message: string) => Error): Render {
  let ast: hbs.AST.Program;
  try {
    ast = env.parse(text);
  } catch (error) {
    const line = (/on line (\d+)/.exec((error as Error).message) ?? / - (\d+):\d+$/.exec((error as Error).message))?.[1];
    throw fail(Number(line ?? 1), (error as Error).message.split('\n')[0]!);
  }
  rejectUnsafe(ast, fail);
  // knownHelpersOnly turns a misspelt helper into a compile error instead of a render-time one
  const options = { knownHelpersOnly: true, knownHelpers: Object.fromEntries(Object.keys(env.helpers).map((name) => [name, true])) };
  try {
    env.precompile(ast, options);
  } catch (error) {
    const located = error as Error & { lineNumber?: number };
    throw fail(located.lineNumber ?? 1, located.message.replace(/ - \d+:\d+$/, ''));
  }
  const render = env.compile(ast, options);
  return (view) => {
    try {
      return render(view, RUNTIME_OPTIONS);
    } catch (error) {
      throw fail(error instanceof HelperFailure ? (error.line ?? 1) : 1, (error as Error).message);
    }
  };
}

const RUNTIME_OPTIONS = { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false };

function rejectUnsafe(ast: hbs.AST.Program, fail: (line: number, message: string) => Error): void {
  const visitor = new Handlebars.Visitor();
  const visit = visitor as unknown as Record<string, (node: hbs.AST.Node) => unknown>;
  const mustache = visit.MustacheStatement!.bind(visitor);
  visit.MustacheStatement = (node) => {
    const statement = node as hbs.AST.MustacheStatement;
    if (!statement.escaped) {
      throw fail(statement.loc.start.line, 'triple braces {{{ }}} would pass text through unescaped; use {{ }} (helpers already return markup)');
    }
    return mustache(node);
  };
  const partial = (node: hbs.AST.Node) => {
    throw fail(node.loc.start.line, 'partials are not supported; use one file per template');
  };
  visit.PartialStatement = partial;
  visit.PartialBlockStatement = partial;
  visitor.accept(ast);
}

const trimmed = (render: Render): Render => (view) => render(view).trim();

/** Trims the edges; Matrix HTML turns line breaks outside <pre> into <br>. */
function postProcess(render: Render, target: MfmTarget): Render {
  if (target !== 'matrix') return (view) => render(view).trim();
  return (view) => htmlLineBreaks(render(view).trim());
}

export function htmlLineBreaks(html: string): string {
  return html
    .split(/(<pre[\s>][\s\S]*?<\/pre>)/)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(BLOCK_END_NEWLINE, '$1').replace(/\n/g, '<br>')))
    .join('');
}

/** A line break right after a block element is already a break: no <br> there. */
const BLOCK_END_NEWLINE = /(<\/(?:blockquote|pre|ul|ol|p|h[1-6])>|<hr>)\n/g;
