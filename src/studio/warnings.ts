import Handlebars from 'handlebars';
import type { Platform } from '../render/message';
import type { Message } from '../render/message';
import { splitFrontMatter } from '../render/front-matter';
import { visitTemplate } from '../render/visit';
import type { TemplateView } from '../render/view';
import { SINKS } from '../sinks/registry';
import { MAX_EMBED_TITLE } from '../sinks/discord/limits';
import { HEADER_TEXT_MAX } from '../sinks/slack/limits';

const TITLE_LIMITS: Partial<Record<Platform, number>> = { discord: MAX_EMBED_TITLE, slack: HEADER_TEXT_MAX };
const PLATFORM_NAMES: Record<Platform, string> = { discord: 'Discord', slack: 'Slack', matrix: 'Matrix', console: 'the console' };

/** Parts of the message longer than the platform shows: the sink cuts them. */
export function limitWarnings(message: Message, platform: Platform): string[] {
  const warnings: string[] = [];
  const textLimit = SINKS[platform].textLimit;
  if (message.text.length > textLimit) {
    warnings.push(`the text is ${message.text.length} characters; ${PLATFORM_NAMES[platform]} takes ${textLimit}, the rest is cut`);
  }
  const titleLimit = TITLE_LIMITS[platform];
  if (titleLimit !== undefined && (message.title?.length ?? 0) > titleLimit) {
    warnings.push(`the title is ${message.title!.length} characters; ${PLATFORM_NAMES[platform]} shows ${titleLimit}, the rest is cut`);
  }
  return warnings;
}

/** Blocks whose body sees another context, or runs only when its condition holds: not checked. */
const SKIPPED_BLOCKS = new Set(['each', 'with', 'if', 'unless']);

/**
 * `{{note.cw}}`-style values the template prints that are empty for this event: a misspelt name
 * renders as nothing, silently. Only values printed outside `{{#each}}`, `{{#with}}`, `{{#if}}` and `{{#unless}}` are checked.
 */
export function emptyFieldWarnings(source: string, view: TemplateView, helpers: ReadonlySet<string>): string[] {
  let split: ReturnType<typeof splitFrontMatter>;
  let ast: hbs.AST.Program;
  try {
    split = splitFrontMatter(source);
    ast = Handlebars.parse(split.body);
  } catch {
    return [];
  }
  const found = new Map<string, number>();
  visitTemplate(ast, {
    BlockStatement: (node, next) => {
      const helper = ((node as hbs.AST.BlockStatement).path as hbs.AST.PathExpression).original;
      return SKIPPED_BLOCKS.has(helper) ? undefined : next();
    },
    MustacheStatement: (node, next) => {
      const statement = node as hbs.AST.MustacheStatement;
      for (const expression of [statement.path, ...statement.params]) {
        if (expression.type !== 'PathExpression') continue;
        const pathExpression = expression as hbs.AST.PathExpression;
        const isHelper = expression === statement.path && (statement.params.length > 0 || helpers.has(pathExpression.original));
        if (pathExpression.data || pathExpression.parts.length === 0 || isHelper) continue;
        if (isEmpty(lookup(view, pathExpression.parts)) && !found.has(pathExpression.original)) {
          found.set(pathExpression.original, statement.loc.start.line + split.bodyLineOffset);
        }
      }
      return next();
    },
  });
  return [...found].map(([name, line]) => `line ${line}: {{${name}}} is empty for this event`);
}

function lookup(view: TemplateView, parts: string[]): unknown {
  let value: unknown = view;
  for (const part of parts) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

const isEmpty = (value: unknown) => value === undefined || value === null || value === '';
