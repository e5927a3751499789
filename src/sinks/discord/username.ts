import { MAX_USERNAME } from './limits';
import { truncatePlain } from './truncate';

const ZWSP = '\u200b';
/** Discord refuses webhook names containing these, case-insensitively */
const FORBIDDEN_WORDS = /discord|clyde/gi;
/** …and names that are exactly these */
const FORBIDDEN_NAMES = new Set(['everyone', 'here']);

/**
 * A webhook `username` Discord accepts: 1–80 characters, no "discord"/"clyde" (a zero-width
 * space is slipped into the word), not "everyone"/"here". Undefined when nothing is left.
 */
export function safeUsername(name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  let safe = name
    .replace(/[\r\n\t]+/g, ' ')
    .trim()
    .replace(FORBIDDEN_WORDS, (word) => `${word.slice(0, 1)}${ZWSP}${word.slice(1)}`);
  if (FORBIDDEN_NAMES.has(safe.toLowerCase())) safe = `${safe}${ZWSP}`;
  safe = truncatePlain(safe, MAX_USERNAME);
  return safe === '' ? undefined : safe;
}
