/**
 * Removal of characters that are never wanted in relayed text, on every target:
 * C0/C1 controls (except tab and newline; CR and CRLF become LF) and the bidi
 * embedding/override/isolate controls U+202A–U+202E and U+2066–U+2069.
 */

// eslint-disable-next-line no-control-regex
const UNSAFE = /\r\n?|[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069]/g;

/** Any of them (CR included): a plain character class, which most text passes much faster than UNSAFE. */
// eslint-disable-next-line no-control-regex
const ANY_UNSAFE = /[\x00-\x08\x0B-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069]/;

export function stripUnsafe(text: string): string {
  if (!ANY_UNSAFE.test(text)) return text;
  return text.replace(UNSAFE, (m) => (m.charCodeAt(0) === 0x0d ? '\n' : ''));
}

