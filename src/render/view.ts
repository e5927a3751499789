import { eventActor, eventName, eventNote, type ChatMessage, type Event, type Note, type NoticeEvent, type User } from '../normalize/event';

/**
 * The data a template sees (documented in docs/templates.md). Built from our Event only;
 * values are raw: the platform's Handlebars environment escapes them on output.
 */
export interface TemplateView {
  event: {
    id: string;
    /** the event name: type, or an unknown type's own name */
    type: string;
    kind: 'user' | 'system';
    source: string;
    server: string;
    host: string;
    isTest: boolean;
    /** ISO time Misskey queued the event */
    createdAt: string;
  };
  /** who did it: note author, (un)followed or new follower, reporter, new user */
  actor: User | null;
  /** follow / followed / unfollow / userCreated: the user the event is about */
  user: User | null;
  note: Note | null;
  report: (Event & { type: 'abuseReport' })['report'] | null;
  /** reaction: the reaction (emoji or :name:) */
  reaction: string | null;
  /** chatMessage: the message */
  message: ChatMessage | null;
  /** achievementEarned, app, roleAssigned, login, …: what the notification says */
  notice: NoticeEvent['notice'] | null;
  /** inactiveModeratorsWarning: time left before the server turns invitation-only */
  remaining: { ms: number; hours: number; days: number } | null;
  /** the page the event is about: note, profile or report */
  url: string | null;
}

export function buildView(event: Event): TemplateView {
  const note = eventNote(event);
  const user = 'user' in event ? event.user : null;
  const report = 'report' in event ? event.report : null;
  return {
    event: {
      id: event.id,
      type: eventName(event),
      kind: event.kind,
      source: event.source,
      server: event.server,
      host: event.host,
      isTest: event.isTest,
      createdAt: new Date(event.createdAt).toISOString(),
    },
    actor: eventActor(event),
    user,
    note,
    report,
    reaction: event.type === 'reaction' ? event.reaction : null,
    message: event.type === 'chatMessage' ? event.message : null,
    notice: 'notice' in event ? event.notice : null,
    remaining: event.type === 'inactiveModeratorsWarning' ? event.remaining : null,
    url: note?.url ?? (event.type === 'chatMessage' ? event.message.url : null) ?? user?.url ?? report?.url ?? null,
  };
}
