/**
 * Misskey webhook JSON → our Event. The only place that reads raw Misskey payloads
 * (docs: misskey-webhooks.md).
 */
import type { z } from 'zod';
import type { AbuseReport, DriveFile, Event, Note, NoteEvent, Poll, User } from './event';
import {
  abuseReport,
  envelope,
  inactiveModeratorsWarning,
  note,
  reactionBody,
  userDetailed,
  userLite,
  type MisskeyAbuseReport,
  type MisskeyDriveFile,
  type MisskeyNote,
  type MisskeyPoll,
  type MisskeyUserDetailed,
  type MisskeyUserLite,
} from './misskey-schema';

export class InvalidPayloadError extends Error {
  /** what is wrong, one entry per field, e.g. `body.note.user.username: expected string, received undefined` */
  readonly details: string[];

  constructor(details: string[]) {
    super(`invalid Misskey payload: ${details.join('; ')}`);
    this.name = 'InvalidPayloadError';
    this.details = details;
  }
}

export interface NormalizeInput {
  /** config key of the source the request came in on */
  source: string;
  /** the parsed JSON body */
  payload: unknown;
  /** the `X-Misskey-Host` header */
  misskeyHost?: string;
}

const MAX_DETAILS = 20;
const MAX_BODY_KEYS = 50;
const HOST_HEADER = /^[a-z0-9.\-:[\]]+$/i;

export interface Context {
  server: string;
  /** envelope createdAt, epoch ms */
  createdAt: number;
}

type EventBase = Omit<NoteEvent, 'type' | 'note'>;

/** Never throws anything but InvalidPayloadError, whatever `payload` is. */
export function normalize(input: NormalizeInput): Event {
  try {
    return normalizeEnvelope(input);
  } catch (error) {
    if (error instanceof InvalidPayloadError) throw error;
    throw new InvalidPayloadError([`payload: unreadable (${error instanceof Error ? error.message : String(error)})`]);
  }
}

function normalizeEnvelope({ source, payload, misskeyHost }: NormalizeInput): Event {
  const env = parse(envelope, payload, '');
  const { server, host } = serverOf(env.server, misskeyHost);
  const ctx: Context = { server, createdAt: env.createdAt };
  const base: EventBase = {
    id: env.eventId,
    source,
    hookId: env.hookId,
    server,
    host,
    ownerId: env.userId ?? null,
    kind: env.userId ? 'user' : 'system',
    createdAt: env.createdAt,
    isTest: false,
  };
  const body = env.body;
  const type = env.type;

  switch (type) {
    case 'note':
    case 'reply':
    case 'renote':
    case 'mention': {
      const raw = parse(note, ...unwrap(body, 'note'));
      return { ...base, type, isTest: isDummy(raw.id, raw.user.id), note: toNote(raw, ctx) };
    }
    case 'follow':
    case 'followed':
    case 'unfollow': {
      const raw = parse(userDetailed, ...unwrap(body, 'user'));
      return { ...base, type, isTest: isDummy(raw.id), user: toUser(raw, ctx) };
    }
    case 'reaction': {
      const raw = parse(reactionBody, body, 'body');
      return {
        ...base,
        type,
        isTest: isDummy(raw.note?.id, raw.user?.id),
        note: raw.note ? toNote(raw.note, ctx) : null,
        user: raw.user ? toUser(raw.user, ctx) : null,
        reaction: raw.reaction,
      };
    }
    case 'abuseReport':
    case 'abuseReportResolved': {
      const raw = parse(abuseReport, body, 'body');
      return { ...base, type, isTest: isDummy(raw.id, raw.targetUserId, raw.reporterId), report: toReport(raw, ctx) };
    }
    case 'userCreated': {
      const raw = parse(userLite, body, 'body');
      return { ...base, type, isTest: isDummy(raw.id), user: toUser(raw, ctx) };
    }
    case 'inactiveModeratorsWarning': {
      const { time, asHours, asDays } = parse(inactiveModeratorsWarning, body, 'body').remainingTime;
      const hours = asHours ?? Math.floor(time / 3_600_000);
      return { ...base, type, remaining: { ms: time, hours, days: asDays ?? Math.floor(hours / 24) } };
    }
    case 'inactiveModeratorsInvitationOnlyChanged':
      return { ...base, type };
    default: {
      // Newer Misskey or a fork (Sharkey's `edited` is `{ note }`): keep what we can recognise.
      const rawNote = note.safeParse(body.note);
      const rawUser = userDetailed.safeParse(body.user);
      const noteId = rawNote.data?.id ?? idOf(body.noteId) ?? idOf((body.note as { id?: unknown } | null | undefined)?.id);
      return {
        ...base,
        type: 'unknown',
        unknownType: type,
        isTest: isDummy(rawNote.data?.id, rawUser.data?.id),
        note: rawNote.success ? toNote(rawNote.data, ctx) : null,
        user: rawUser.success ? toUser(rawUser.data, ctx) : null,
        ...(noteId ? { noteId } : {}),
        bodyKeys: Object.keys(body).slice(0, MAX_BODY_KEYS),
      };
    }
  }
}

/** A Misskey id: a short string of letters and digits. */
const idOf = (value: unknown): string | undefined => (typeof value === 'string' && /^[0-9A-Za-z]{1,32}$/.test(value) ? value : undefined);

export function parse<T>(schema: z.ZodType<T>, value: unknown, path: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new InvalidPayloadError(
    result.error.issues.slice(0, MAX_DETAILS).map((issue) => {
      const where = [path, ...issue.path.map(String)].filter(Boolean).join('.') || 'payload';
      const what = issue.message.replace(/^Invalid input: /, '').replace(/^expected record\b/, 'expected object');
      return `${where}: ${what}`;
    }),
  );
}

/** 2024.9–2024.10 test sends put the note/user itself in `body`, not `{ note }`/`{ user }` (§8). */
function unwrap(body: Record<string, unknown>, key: 'note' | 'user'): [unknown, string] {
  if (body[key] === undefined && body.id !== undefined) return [body, 'body'];
  return [body[key], `body.${key}`];
}

/** `server` is missing before Misskey 2023.9: then `https://` + X-Misskey-Host (§3). */
function serverOf(server: string | null | undefined, misskeyHost: string | undefined): { server: string; host: string } {
  let raw = server;
  if (!raw) {
    if (!misskeyHost || !HOST_HEADER.test(misskeyHost)) {
      throw new InvalidPayloadError(['server: missing, and no usable X-Misskey-Host header']);
    }
    raw = `https://${misskeyHost}`;
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InvalidPayloadError(['server: not a URL']);
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || !url.host) {
    throw new InvalidPayloadError(['server: not an http(s) URL']);
  }
  // Misskey is always served at the root: the origin is the server without a trailing slash.
  return { server: url.origin, host: url.host };
}

function isDummy(...ids: (string | null | undefined)[]): boolean {
  return ids.some((value) => value?.startsWith('dummy-') ?? false);
}

export function toUser(raw: MisskeyUserLite & Partial<MisskeyUserDetailed>, ctx: Context): User {
  const acct = raw.host ? `@${raw.username}@${raw.host}` : `@${raw.username}`;
  const path = raw.host ? `@${encodeURIComponent(raw.username)}@${encodeURIComponent(raw.host)}` : `@${encodeURIComponent(raw.username)}`;
  return {
    id: raw.id,
    username: raw.username,
    host: raw.host,
    rawName: raw.name,
    name: raw.name?.trim() ? raw.name : raw.username,
    acct,
    url: `${ctx.server}/${path}`,
    // A local user's `url` is their website field, not a profile page (§9.2).
    remoteUrl: raw.host ? (raw.url ?? null) : null,
    avatarUrl: raw.avatarUrl,
    isBot: raw.isBot,
    isCat: raw.isCat,
    emojis: raw.emojis,
    instance: raw.instance ? { name: raw.instance.name, software: raw.instance.softwareName } : null,
    description: raw.description ?? null,
    followersCount: raw.followersCount ?? null,
    followingCount: raw.followingCount ?? null,
    notesCount: raw.notesCount ?? null,
  };
}

export function toNote(raw: MisskeyNote, ctx: Context): Note {
  const url = `${ctx.server}/notes/${encodeURIComponent(raw.id)}`;
  const files = raw.files.map(toFile);
  // misc/is-renote.ts: a renote with nothing of its own (§10).
  const isPureRenote =
    raw.renoteId !== null &&
    raw.text === null &&
    raw.cw === null &&
    raw.replyId === null &&
    raw.poll === null &&
    raw.fileIds.length === 0 &&
    files.length === 0;
  return {
    id: raw.id,
    createdAt: raw.createdAt ?? new Date(ctx.createdAt).toISOString(),
    url,
    originalUrl: raw.url ?? raw.uri ?? url,
    user: toUser(raw.user, ctx),
    text: raw.text,
    cw: raw.cw,
    visibility: raw.visibility,
    localOnly: raw.localOnly,
    files,
    tags: raw.tags,
    emojis: { ...raw.emojis, ...raw.reactionEmojis },
    poll: raw.poll ? toPoll(raw.poll) : null,
    channel: raw.channel ? { id: raw.channel.id, name: raw.channel.name } : null,
    reply: raw.reply ? toNote(raw.reply, ctx) : null,
    renote: raw.renote ? toNote(raw.renote, ctx) : null,
    isPureRenote,
    isQuote: raw.renoteId !== null && !isPureRenote,
    isReply: raw.replyId !== null,
    isHidden: raw.isHidden,
    reactionCount: raw.reactionCount,
    reactions: raw.reactions,
    renoteCount: raw.renoteCount,
    repliesCount: raw.repliesCount,
  };
}

export function toFile(raw: MisskeyDriveFile): DriveFile {
  return {
    id: raw.id,
    name: raw.name,
    type: raw.type,
    url: raw.url,
    thumbnailUrl: raw.thumbnailUrl,
    isSensitive: raw.isSensitive,
    comment: raw.comment,
    size: raw.size,
    width: raw.properties.width,
    height: raw.properties.height,
    isImage: raw.type.startsWith('image/'),
    isVideo: raw.type.startsWith('video/'),
  };
}

function toPoll(raw: MisskeyPoll): Poll {
  return {
    multiple: raw.multiple,
    expiresAt: raw.expiresAt,
    choices: raw.choices.map((choice) => ({ text: choice.text, votes: choice.votes })),
  };
}

function toReport(raw: MisskeyAbuseReport, ctx: Context): AbuseReport {
  return {
    id: raw.id,
    comment: raw.comment,
    targetUserId: raw.targetUserId,
    reporterId: raw.reporterId,
    targetUser: raw.targetUser ? toUser(raw.targetUser, ctx) : null,
    reporter: raw.reporter ? toUser(raw.reporter, ctx) : null,
    assignee: raw.assignee ? toUser(raw.assignee, ctx) : null,
    resolved: raw.resolved,
    forwarded: raw.forwarded,
    resolvedAs: raw.resolvedAs,
    moderationNote: raw.moderationNote,
    url: `${ctx.server}/admin/abuses`,
  };
}
