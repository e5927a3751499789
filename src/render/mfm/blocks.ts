/** Block styles several targets share. */
import type { BlockStyle } from './types';

/** Content on its own line, no markup. */
export const OWN_LINE: BlockStyle = { open: '', close: '', linePrefix: '', selfBreaking: false };

/** `> ` before every line (Discord, Slack, plain). */
export const LINE_QUOTE: BlockStyle = { open: '> ', close: '', linePrefix: '> ', selfBreaking: false };

/** Longest run of `char` in `text`. */
export function longestRun(text: string, char: string): number {
  let longest = 0;
  let current = 0;
  for (const c of text) {
    current = c === char ? current + 1 : 0;
    if (current > longest) longest = current;
  }
  return longest;
}

/** A code-block language tag that cannot break out of its markup. */
export function safeLang(lang: string | null): string | null {
  return lang !== null && /^[A-Za-z0-9_+#.-]{1,32}$/.test(lang) ? lang : null;
}

/** Breaks every run of three backticks with zero-width spaces so code cannot close its fence. */
export function breakFences(code: string): string {
  return code.includes('```') ? code.replace(/`(?=``)/g, '`\u200B') : code;
}
