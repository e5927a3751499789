/** C0 and C1 controls, DEL, and the bidirectional overrides and isolates that reorder a line. */
const UNPRINTABLE = /[\p{Cc}\u202a-\u202e\u2066-\u2069]/gu;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * Text from outside (display names, platform errors, ids) made safe for a terminal: every control
 * character shows as an escape (`\n`, `\x1b`, `\u202e`), so none can end a line, move the cursor or
 * hide what follows.
 */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (char) => {
    const code = char.charCodeAt(0);
    return NAMED[char] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`);
  });
}
