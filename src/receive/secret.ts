import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compares the secret Misskey sent with the configured one in constant time. Both sides are
 * hashed first so neither the content nor the length of the secret leaks through timing.
 */
export function secretMatches(sent: string | undefined, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  const matches = timingSafeEqual(digest(sent ?? ''), digest(expected));
  return matches && sent !== undefined;
}
