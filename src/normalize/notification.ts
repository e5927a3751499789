/**
 * Misskey notifications and chat messages (streaming API, `i/notifications`, `chat/history`) →
 * our Event. The event's id is the notification's (the chat message's) id, so one seen both live
 * and by backfill is stored once.
 */
import type { ChatMessageEvent, Event, NoteEvent, NoticeEvent, NoticeType } from './event';
import { NOTICE_TYPES } from './event';
import { chatMessage, notification, type MisskeyNotification } from './misskey-schema';
import { InvalidPayloadError, parse, toFile, toNote, toUser, type Context } from './normalize';

export interface StreamInput {
  source: string;
  /** origin of the Misskey server the source reads */
  server: string;
  /** the account the source reads */
  ownerId: string | null;
  raw: unknown;
  /** epoch ms, when Misskey gave no usable createdAt */
  now: number;
}

type Base = Omit<NoteEvent, 'type' | 'note'>;

/** Misskey's notification type → ours, where the names differ (a notification `follow` is someone following you). */
const RENAMED: Record<string, string> = { follow: 'followed', receiveFollowRequest: 'followRequest' };

/** Never throws anything but InvalidPayloadError. */
export function normalizeNotification(input: StreamInput): Event {
  const raw = parse(notification, input.raw, 'notification');
  const ctx = contextOf(input, raw.createdAt);
  const base = baseOf(input, raw.id, ctx);
  const type = RENAMED[raw.type] ?? raw.type;
  const user = raw.user ? toUser(raw.user, ctx) : null;
  const note = raw.note ? toNote(raw.note, ctx) : null;
  switch (type) {
    case 'note':
    case 'mention':
    case 'reply':
    case 'renote':
    case 'quote':
    case 'pollEnded':
      if (!note) throw new InvalidPayloadError([`notification.note: missing in a ${raw.type} notification`]);
      return { ...base, type, note };
    case 'followed':
    case 'followRequest':
    case 'followRequestAccepted':
      if (!user) throw new InvalidPayloadError([`notification.user: missing in a ${raw.type} notification`]);
      return { ...base, type, user };
    case 'reaction':
      return { ...base, type, note, user, reaction: raw.reaction };
    default:
      if ((NOTICE_TYPES as readonly string[]).includes(type)) return { ...base, type: type as NoticeType, user, note, notice: noticeOf(type as NoticeType, raw) };
      // a type newer than this bridge: kept, routed to "*", never dropped
      return { ...base, type: 'unknown', unknownType: type, note, user, ...(note ? { noteId: note.id } : {}), bodyKeys: Object.keys(input.raw as object).slice(0, 50) };
  }
}

export function normalizeChatMessage(input: StreamInput): ChatMessageEvent {
  const raw = parse(chatMessage, input.raw, 'chatMessage');
  const ctx = contextOf(input, raw.createdAt);
  const room = raw.toRoomId ? { id: raw.toRoomId, name: raw.toRoom?.name ?? null } : null;
  const conversation = room ? `room/${encodeURIComponent(room.id)}` : `user/${encodeURIComponent(raw.fromUserId ?? '')}`;
  return {
    ...baseOf(input, raw.id, ctx),
    type: 'chatMessage',
    message: {
      id: raw.id,
      createdAt: new Date(ctx.createdAt).toISOString(),
      text: raw.text,
      fromUser: raw.fromUser ? toUser(raw.fromUser, ctx) : null,
      room,
      files: raw.file ? [toFile(raw.file)] : [],
      url: `${ctx.server}/chat/${conversation}`,
    },
  };
}

function contextOf(input: StreamInput, createdAt: string | null): Context {
  const parsed = createdAt ? Date.parse(createdAt) : Number.NaN;
  return { server: input.server, createdAt: Number.isFinite(parsed) ? parsed : input.now };
}

function baseOf(input: StreamInput, id: string, ctx: Context): Base {
  return {
    id,
    source: input.source,
    hookId: '',
    server: ctx.server,
    host: new URL(ctx.server).host,
    ownerId: input.ownerId,
    kind: 'user',
    createdAt: ctx.createdAt,
    isTest: false,
  };
}

/** The title and text Misskey's client shows for a notice. */
function noticeOf(type: NoticeType, raw: MisskeyNotification): NoticeEvent['notice'] {
  const notice = (title: string | null, text: string | null = null, iconUrl: string | null = null) => ({ title, text, iconUrl });
  switch (type) {
    case 'achievementEarned':
      return notice('Achievement earned', raw.achievement);
    case 'app':
      return notice(raw.header, raw.body, raw.icon);
    case 'roleAssigned':
      return notice('Role assigned', raw.role?.name ?? null, raw.role?.iconUrl ?? null);
    case 'login':
      return notice('New sign-in to the account');
    case 'createToken':
      return notice('An access token was created');
    case 'exportCompleted':
      return notice('Export completed', raw.exportedEntity);
    case 'chatRoomInvitationReceived':
      return notice('Invited to a chat room', raw.invitation?.room?.name ?? null);
    case 'scheduledNotePosted':
      return notice('Scheduled note posted');
    case 'scheduledNotePostFailed':
      return notice('A scheduled note could not be posted');
    case 'test':
      return notice('Test notification');
  }
}
