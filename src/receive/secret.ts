import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** the configured secrets' digests, made once */
const expectedDigests = new Map<string, Buffer>();

/**
 * Compares the secret Misskey sent with the configured one in constant time. Both sides are
 * hashed first so neither the content nor the length of the secret leaks through timing.
 */
export function secretMatches(sent: string | undefined, expected: string): boolean {
  let expectedDigest = expectedDigests.get(expected);
  if (expectedDigest === undefined) expectedDigests.set(expected, (expectedDigest = digest(expected)));
  const matches = timingSafeEqual(digest(sent ?? ''), expectedDigest);
  return matches && sent !== undefined;
}
