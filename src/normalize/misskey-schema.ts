/**
 * Zod schemas for what Misskey sends (docs: misskey-webhooks.md §3, §7, §9).
 *
 * Tolerant by design: unknown keys are dropped (never `.strict()`), and anything we do not truly
 * need falls back to a default instead of failing, because a 4xx answer loses the event for good.
 * Only ids, usernames and the envelope are required. Keys not declared here never reach our
 * output, which is how moderator-only fields (a user's `moderationNote`, `memo`, `twoFactorEnabled`,
 * `securityKeys`...) are kept out.
 */
import { z } from 'zod';
import { LIMITS, capText } from './limits';

/** Levels of notes read: a note, its renote/reply, theirs. Deeper ones are dropped (hostile chains). */
export const MAX_NOTE_DEPTH = 3;

const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}

// Ids: any non-empty string. Length depends on the server's id format; test sends use `dummy-*` (§11).
// Bounded all the same: Misskey's are at most 32 characters.
const id = z.string().min(1).max(256);
/** Envelope keys we store and index: bounded. */
const key = z.string().min(1).max(256);

// Optional scalars are read, never validated: whatever is missing, null or of the wrong type reads
// as the default. One transform each, so a missing key costs no zod issue and no extra layers.
const read = <T>(convert: (value: unknown) => T) => z.unknown().optional().transform(convert);
/** Optional text: missing, null or of the wrong type all read as null; cut to `max`. */
const textUpTo = (max: number) => read((value) => (typeof value === 'string' ? capText(value, max) : null));
const text = textUpTo(LIMITS.short);
/** An http(s) URL no longer than LIMITS.url. */
const isUsableUrl = (value: string): boolean => value.length <= LIMITS.url && isHttpUrl(value);
/** Optional http(s) URL; other schemes (`javascript:`...) and overlong ones read as null. */
const url = read((value) => (typeof value === 'string' && isUsableUrl(value) ? value : null));
const flag = read((value) => value === true);
const count = read((value) => (typeof value === 'number' && Number.isFinite(value) ? value : 0));
const optionalNumber = read((value) => (typeof value === 'number' && Number.isFinite(value) ? value : null));
/** An optional part: missing, null or unreadable all read as null. */
function orNull<T extends z.ZodType>(schema: T) {
  return schema.nullish().catch(null).transform((value) => value ?? null);
}
/** Optional text with a default when missing or unreadable; cut to `max`. */
const textOr = (fallback: string, max: number = LIMITS.short) => read((value) => (typeof value === 'string' ? capText(value, max) : fallback));
/** Required text, cut to `max`. */
const requiredText = (max: number) => z.string().min(1).transform((value) => capText(value, max));

/** An array of at most `max` items (the rest is not read), whose unreadable items are dropped instead of failing the whole payload. */
function lenientArray<T extends z.ZodType>(item: T, max: number) {
  return z
    .array(z.unknown())
    .optional()
    .catch([])
    .transform((items = []) =>
      items.slice(0, max).flatMap((value): z.output<T>[] => {
        const result = item.safeParse(value);
        return result.success ? [result.data] : [];
      }),
    );
}

/**
 * An object of at most LIMITS.emojis entries whose keys are safe and whose values pass `keep`; a
 * list (test sends give `[]` for objects, §8), anything missing or unreadable reads as `{}`.
 */
function boundedMap<V>(keep: (key: string, value: unknown) => value is V) {
  return z
    .union([z.record(z.string(), z.unknown()), z.array(z.unknown()).transform(() => ({}))])
    .optional()
    .catch({})
    .transform((map = {}): Record<string, V> =>
      Object.fromEntries(
        Object.entries(map)
          .slice(0, LIMITS.emojis)
          .filter((entry): entry is [string, V] => !UNSAFE_KEYS.has(entry[0]) && keep(entry[0], entry[1])),
      ),
    );
}

/** Custom emoji name → image URL. */
const emojiMap = boundedMap((_name, url): url is string => typeof url === 'string' && isUsableUrl(url));

/** Reaction → how many, as the note carries them (`{ "👍": 3, ":party@.:": 1 }`). */
const reactionCounts = boundedMap((reaction, count): count is number => reaction.length <= LIMITS.short && typeof count === 'number' && count > 0);

export const userLite = z.object({
  id,
  username: requiredText(LIMITS.name),
  name: textUpTo(LIMITS.name),
  host: text,
  avatarUrl: url,
  isBot: flag,
  isCat: flag,
  emojis: emojiMap,
  instance: orNull(z.object({ name: text, softwareName: text })),
});

/** `follow`/`unfollow` bodies (§9.2): UserLite plus what templates use. */
export const userDetailed = userLite.extend({
  /** remote users: their profile page; local users: the website field */
  url,
  description: textUpTo(LIMITS.description),
  followersCount: optionalNumber,
  followingCount: optionalNumber,
  notesCount: optionalNumber,
});

export const driveFile = z.object({
  id,
  url: z.string().refine(isUsableUrl),
  name: textOr(''),
  type: textOr('application/octet-stream'),
  thumbnailUrl: url,
  isSensitive: flag,
  comment: textUpTo(LIMITS.comment),
  size: optionalNumber,
  properties: z
    .object({ width: optionalNumber, height: optionalNumber })
    .optional()
    .catch(undefined)
    .transform((value) => value ?? { width: null, height: null }),
});

export const poll = z.object({
  multiple: flag,
  expiresAt: text,
  choices: lenientArray(z.object({ text: z.string().transform((value) => capText(value, LIMITS.short)), votes: count }), LIMITS.pollChoices),
});

const noteBase = z.object({
  id,
  createdAt: text,
  user: userLite,
  text: textUpTo(LIMITS.text),
  cw: textUpTo(LIMITS.cw),
  // An unknown visibility is treated as the most private one.
  visibility: z.enum(['public', 'home', 'followers', 'specified']).catch('specified'),
  localOnly: flag,
  fileIds: lenientArray(z.string(), LIMITS.files),
  files: lenientArray(driveFile, LIMITS.files),
  tags: lenientArray(z.string().transform((value) => capText(value, LIMITS.short)), LIMITS.tags),
  emojis: emojiMap,
  reactionEmojis: emojiMap,
  poll: orNull(poll),
  channel: orNull(z.object({ id, name: textOr('') })),
  replyId: text,
  renoteId: text,
  uri: url,
  url,
  isHidden: flag,
  reactionCount: count,
  reactions: reactionCounts,
  renoteCount: count,
  repliesCount: count,
});

export type MisskeyNote = z.output<typeof noteBase> & { reply?: MisskeyNote | null; renote?: MisskeyNote | null };

/** A note and `levels - 1` levels of embedded reply/renote; an unreadable embedded note reads as null. */
function noteSchema(levels: number): z.ZodType<MisskeyNote> {
  if (levels <= 1) return noteBase;
  const nested = orNull(noteSchema(levels - 1));
  return noteBase.extend({ reply: nested, renote: nested });
}

export const note = noteSchema(MAX_NOTE_DEPTH);

/** §7.1; no wrapper around it in the body. */
export const abuseReport = z.object({
  id,
  targetUserId: id,
  reporterId: id,
  targetUser: orNull(userLite),
  reporter: orNull(userLite),
  assignee: orNull(userLite),
  comment: textOr('', LIMITS.comment),
  resolved: flag,
  forwarded: flag,
  resolvedAs: orNull(z.enum(['accept', 'reject'])),
  moderationNote: textOr('', LIMITS.moderationNote),
});

export const inactiveModeratorsWarning = z.object({
  remainingTime: z.object({ time: z.number().nonnegative(), asHours: optionalNumber, asDays: optionalNumber }),
});

/** Never sent by Misskey today (§6): read loosely, every part optional. */
export const reactionBody = z.object({
  note: orNull(note),
  user: orNull(userDetailed),
  reaction: text,
});

export const envelope = z.object({
  server: z.string().nullish(),
  hookId: key,
  userId: key.nullish(),
  eventId: key,
  // bounded so that `new Date(createdAt)` is always valid
  createdAt: z.number().min(0).max(8.64e15),
  type: key,
  body: z.record(z.string(), z.unknown()),
});

/** A notification of the streaming API or `i/notifications`: `{ id, createdAt, type, ... }`, every part but those optional. */
export const notification = z.object({
  id,
  createdAt: text,
  type: key,
  user: orNull(userDetailed),
  note: orNull(note),
  reaction: text,
  /** achievementEarned */
  achievement: text,
  /** app */
  header: text,
  body: textUpTo(LIMITS.comment),
  icon: url,
  /** roleAssigned */
  role: orNull(z.object({ name: text, iconUrl: url })),
  /** exportCompleted */
  exportedEntity: text,
  /** chatRoomInvitationReceived */
  invitation: orNull(z.object({ room: orNull(z.object({ name: text })) })),
});

/** A chat message (`newChatMessage`, `chat/history`): 1:1 when `toRoomId` is null. */
export const chatMessage = z.object({
  id,
  createdAt: text,
  text: textUpTo(LIMITS.text),
  fromUserId: text,
  fromUser: orNull(userLite),
  toRoomId: text,
  toRoom: orNull(z.object({ name: text })),
  file: orNull(driveFile),
});

export type MisskeyNotification = z.output<typeof notification>;
export type MisskeyChatMessage = z.output<typeof chatMessage>;
export type MisskeyUserLite = z.output<typeof userLite>;
export type MisskeyUserDetailed = z.output<typeof userDetailed>;
export type MisskeyDriveFile = z.output<typeof driveFile>;
export type MisskeyPoll = z.output<typeof poll>;
export type MisskeyAbuseReport = z.output<typeof abuseReport>;
export type MisskeyEnvelope = z.output<typeof envelope>;
