/**
 * Our own model of a Misskey webhook event. Everything after normalize sees only these types,
 * never raw Misskey JSON. All values are plain data (JSON-serialisable).
 */

export const USER_EVENT_TYPES = ['note', 'reply', 'renote', 'mention', 'follow', 'followed', 'unfollow', 'reaction'] as const;
export const SYSTEM_EVENT_TYPES = [
  'abuseReport',
  'abuseReportResolved',
  'userCreated',
  'inactiveModeratorsWarning',
  'inactiveModeratorsInvitationOnlyChanged',
] as const;
/** What only a stream source reads (Misskey's notifications without a webhook, and chat). */
export const STREAM_EVENT_TYPES = ['quote', 'pollEnded', 'followRequest', 'followRequestAccepted', 'chatMessage'] as const;
/** Misskey notifications that tell the account something, about no note or a user at most. */
export const NOTICE_TYPES = [
  'achievementEarned',
  'app',
  'roleAssigned',
  'login',
  'createToken',
  'exportCompleted',
  'chatRoomInvitationReceived',
  'scheduledNotePosted',
  'scheduledNotePostFailed',
  'test',
] as const;
export const EVENT_TYPES = [...USER_EVENT_TYPES, ...SYSTEM_EVENT_TYPES, ...STREAM_EVENT_TYPES, ...NOTICE_TYPES] as const;

export type UserEventType = (typeof USER_EVENT_TYPES)[number];
export type SystemEventType = (typeof SYSTEM_EVENT_TYPES)[number];
export type NoticeType = (typeof NOTICE_TYPES)[number];
export type EventType = (typeof EVENT_TYPES)[number];

export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value);
}

export type Visibility = 'public' | 'home' | 'followers' | 'specified';
export const VISIBILITIES: readonly Visibility[] = ['public', 'home', 'followers', 'specified'];

export interface User {
  id: string;
  username: string;
  /** null for users of the sending server */
  host: string | null;
  /** display name as sent (may contain :emoji:), or null */
  rawName: string | null;
  /** display name, falling back to the username */
  name: string;
  /** `@user` for local users, `@user@host` for remote ones */
  acct: string;
  /** profile page on the sending server */
  url: string;
  /** the remote user's own profile page, when Misskey sent it */
  remoteUrl: string | null;
  avatarUrl: string | null;
  isBot: boolean;
  isCat: boolean;
  /** custom emoji name → image URL (remote users only; local users carry none) */
  emojis: Record<string, string>;
  /** remote instance name and software, when known */
  instance: { name: string | null; software: string | null } | null;
  /** profile description (MFM), only for detailed users (follow/unfollow) */
  description: string | null;
  followersCount: number | null;
  followingCount: number | null;
  notesCount: number | null;
}

export interface DriveFile {
  id: string;
  name: string;
  /** MIME type */
  type: string;
  url: string;
  thumbnailUrl: string | null;
  isSensitive: boolean;
  /** alt text */
  comment: string | null;
  size: number | null;
  width: number | null;
  height: number | null;
  isImage: boolean;
  isVideo: boolean;
}

export interface Poll {
  multiple: boolean;
  expiresAt: string | null;
  choices: { text: string; votes: number }[];
}

export interface Note {
  id: string;
  createdAt: string;
  /** the note's page on the sending server */
  url: string;
  /** the original (remote) page: `url` ?? `uri` ?? the page on the sending server */
  originalUrl: string;
  user: User;
  /** raw MFM, or null (pure renote, hidden note) */
  text: string | null;
  /** content warning; when set, `text` is the hidden part */
  cw: string | null;
  visibility: Visibility;
  localOnly: boolean;
  files: DriveFile[];
  tags: string[];
  /** custom emoji name → image URL, from the note's `emojis` and `reactionEmojis` */
  emojis: Record<string, string>;
  poll: Poll | null;
  channel: { id: string; name: string } | null;
  reply: Note | null;
  renote: Note | null;
  /** renote without any content of its own: show `renote` instead */
  isPureRenote: boolean;
  /** renote with content of its own */
  isQuote: boolean;
  isReply: boolean;
  /** packed for a user who may not see it (mention only): text, cw and files are empty */
  isHidden: boolean;
  reactionCount: number;
  /** reaction (emoji, or `:name@host:`) → how many, as the note had them when the event was sent */
  reactions: Record<string, number>;
  renoteCount: number;
  repliesCount: number;
}

export interface AbuseReport {
  id: string;
  /** the reporter's comment: untrusted */
  comment: string;
  targetUserId: string;
  reporterId: string;
  targetUser: User | null;
  reporter: User | null;
  assignee: User | null;
  resolved: boolean;
  forwarded: boolean;
  resolvedAs: 'accept' | 'reject' | null;
  moderationNote: string;
  /** the moderation page for reports on the sending server */
  url: string;
}

interface EventBase {
  /** Misskey's eventId (stable across Misskey's retries); for a stream source the notification's or chat message's id */
  id: string;
  /** config key of the source the event came in on */
  source: string;
  /** the webhook's id; empty for a stream source */
  hookId: string;
  /** origin of the sending server, e.g. https://misskey.example */
  server: string;
  /** host (with port) of the sending server */
  host: string;
  /** user webhooks: the local owner the event is for; system webhooks: null */
  ownerId: string | null;
  kind: 'user' | 'system';
  /** enqueue time at Misskey, epoch ms */
  createdAt: number;
  /** sent by a "test" button (dummy ids) */
  isTest: boolean;
}

export type NoteEvent = EventBase & { type: 'note' | 'reply' | 'renote' | 'mention' | 'quote' | 'pollEnded'; note: Note };
export type UserRelationEvent = EventBase & { type: 'follow' | 'followed' | 'unfollow' | 'followRequest' | 'followRequestAccepted'; user: User };

export interface ChatMessage {
  id: string;
  createdAt: string;
  /** raw MFM, or null (a file only) */
  text: string | null;
  fromUser: User | null;
  /** a room's id and name; null for a 1:1 message */
  room: { id: string; name: string | null } | null;
  /** the attached file, if any (a list, as for notes) */
  files: DriveFile[];
  /** the conversation's page on the server */
  url: string;
}
export type ChatMessageEvent = EventBase & { type: 'chatMessage'; message: ChatMessage };
/**
 * A notification about no note: an achievement, an app's message, a role, a login, an export, a
 * chat room invitation. `title` and `text` are what Misskey's own client shows (text untrusted).
 */
export type NoticeEvent = EventBase & {
  type: NoticeType;
  user: User | null;
  note: Note | null;
  notice: { title: string | null; text: string | null; iconUrl: string | null };
};
export type ReactionEvent = EventBase & { type: 'reaction'; note: Note | null; user: User | null; reaction: string | null };
export type AbuseReportEvent = EventBase & { type: 'abuseReport' | 'abuseReportResolved'; report: AbuseReport };
export type UserCreatedEvent = EventBase & { type: 'userCreated'; user: User };
export type InactiveModeratorsWarningEvent = EventBase & {
  type: 'inactiveModeratorsWarning';
  remaining: { ms: number; hours: number; days: number };
};
export type InactiveModeratorsInvitationOnlyChangedEvent = EventBase & { type: 'inactiveModeratorsInvitationOnlyChanged' };
/** A type this bridge does not know (newer Misskey, forks): what could be recognised in its body. */
export type UnknownEvent = EventBase & {
  type: 'unknown';
  unknownType: string;
  note: Note | null;
  user: User | null;
  /**
   * the id of the note the event is about: the note's, or where a fork sends only the id (assumed
   * `{ noteId }` or `{ note: { id } }`, e.g. a `noteDeleted`), that id
   */
  noteId?: string;
  /** body keys, for logs and the generic template */
  bodyKeys: string[];
};

export type Event =
  | NoteEvent
  | UserRelationEvent
  | ChatMessageEvent
  | NoticeEvent
  | ReactionEvent
  | AbuseReportEvent
  | UserCreatedEvent
  | InactiveModeratorsWarningEvent
  | InactiveModeratorsInvitationOnlyChangedEvent
  | UnknownEvent;

/** The name routes and templates use: the event type, or the unknown type's own name. */
export function eventName(event: Event): string {
  return event.type === 'unknown' ? event.unknownType : event.type;
}

/** The note an event is about, if any. */
export function eventNote(event: Event): Note | null {
  return 'note' in event ? event.note : null;
}

/** Who did what the event reports: note author, (un)followed or following user, reporter, new user. */
export function eventActor(event: Event): User | null {
  switch (event.type) {
    case 'note':
    case 'reply':
    case 'renote':
    case 'mention':
    case 'quote':
      return event.note.user;
    case 'follow':
    case 'followed':
    case 'unfollow':
    case 'followRequest':
    case 'followRequestAccepted':
    case 'userCreated':
      return event.user;
    case 'chatMessage':
      return event.message.fromUser;
    case 'reaction':
      return event.user ?? event.note?.user ?? null;
    case 'abuseReport':
    case 'abuseReportResolved':
      return event.report.reporter;
    case 'unknown':
      return event.user ?? event.note?.user ?? null;
    case 'pollEnded':
      return null;
    default:
      if ('notice' in event) return event.user;
      return null;
  }
}
