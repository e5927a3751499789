import { parse } from 'yaml';
import { z } from 'zod';

/** Structured parts a template may set above its body, between `---` lines. */
export const frontMatterSchema = z
  .object({
    /** a Handlebars template, rendered in the platform's markup */
    title: z.string().optional(),
    /** a Handlebars template, rendered as plain text */
    footer: z.string().optional(),
    /** `#rrggbb` or a number */
    color: z
      .union([z.number().int().min(0).max(0xffffff), z.string().regex(/^#?[0-9a-fA-F]{6}$/, 'use #rrggbb')])
      .transform((value) => (typeof value === 'number' ? value : parseInt(value.replace('#', ''), 16)))
      .optional(),
  })
  .strict();

export type FrontMatter = z.infer<typeof frontMatterSchema>;

export interface SplitTemplate {
  frontMatter: FrontMatter;
  body: string;
  /** lines before the body, to report body errors at their line in the file */
  bodyLineOffset: number;
}

const FENCE = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/;

/** Separates optional YAML front matter from the template body; throws with a readable message. */
export function splitFrontMatter(source: string): SplitTemplate {
  const match = FENCE.exec(source);
  if (!match) return { frontMatter: {}, body: source, bodyLineOffset: 0 };
  const parsed = frontMatterSchema.safeParse(parse(match[1]!) ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`front matter ${issue.path.join('.') || ''}: ${issue.message}`.replace(' :', ':'));
  }
  return { frontMatter: parsed.data, body: source.slice(match[0].length), bodyLineOffset: match[0].split('\n').length - 1 };
}
