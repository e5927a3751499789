import { eventActor, eventNote, type Event, type Note } from '../normalize/event';
import type { Reader, Wording } from './catalog';
import type { Message, MessageField, MessageImage, MessageWords, Platform } from './message';
import { escapeText } from './mfm';
import { FALLBACK_TEMPLATE, PLATFORM_TARGET, TemplateError, type TemplateSet } from './templates';
import { buildView } from './view';

/** Colour of a message when its template sets none (Misskey's accent for notes, warm for moderation). */
export const EVENT_COLORS: Record<string, number> = {
  note: 0x86b300,
  reply: 0x86b300,
  renote: 0x36aed2,
  mention: 0x5865f2,
  follow: 0x2ecc71,
  followed: 0x2ecc71,
  unfollow: 0x95a5a6,
  reaction: 0xf1c40f,
  quote: 0x36aed2,
  pollEnded: 0x86b300,
  followRequest: 0x2ecc71,
  followRequestAccepted: 0x2ecc71,
  chatMessage: 0x5865f2,
  abuseReport: 0xe74c3c,
  abuseReportResolved: 0x27ae60,
  userCreated: 0x3498db,
  inactiveModeratorsWarning: 0xe67e22,
  inactiveModeratorsInvitationOnlyChanged: 0xe67e22,
};
export const DEFAULT_COLOR = 0x99aab5;

/**
 * Renders one event for one platform with the named template (the event type's own when the
 * route names none; the generic one for types that have no template), in the reader's words
 * (the configured default reader's unless told).
 */
export function renderMessage(event: Event, templateName: string, platform: Platform, templates: TemplateSet, reader?: Reader): Message {
  const template = templates.get(templateName, platform) ?? templates.get(FALLBACK_TEMPLATE, platform);
  if (!template) throw new TemplateError(`no template "${templateName}" (nor "${FALLBACK_TEMPLATE}") for ${platform}`);
  const wording = templates.wording(reader);
  const view = buildView(event);
  const actor = eventActor(event);
  const note = eventNote(event);
  const shown = note?.isPureRenote && note.renote ? note.renote : note;
  const target = PLATFORM_TARGET[platform];
  return {
    event: view.event.type,
    text: template.text(view, wording),
    plain: template.plain(view, wording),
    title: template.title?.(view, wording) || undefined,
    footer: template.footer?.(view, wording) || undefined,
    color: template.color ?? EVENT_COLORS[view.event.type] ?? DEFAULT_COLOR,
    author: actor
      ? { name: escapeText(`${actor.name} (${actor.acct})`, 'plain'), url: actor.url, iconUrl: actor.avatarUrl ?? undefined }
      : undefined,
    url: view.url ?? undefined,
    timestamp: note?.createdAt ?? view.event.createdAt,
    images: shown ? images(shown) : [],
    fields: shown?.poll ? pollFields(shown, target, wording) : [],
    words: messageWords(wording, note?.createdAt ?? view.event.createdAt),
  };
}

/** What the sinks add in the reader's words: the time as text, the link and sensitive labels. */
export function messageWords(wording: Wording, timestamp: string): MessageWords {
  const time = wording.date(timestamp);
  const open = wording.text('common.open');
  const sensitive = wording.text('files.sensitive');
  return time === '' ? { open, sensitive } : { time, open, sensitive };
}

function images(note: Note): MessageImage[] {
  return note.files
    .filter((file) => file.isImage)
    .map((file) => ({ url: file.url, alt: escapeText(file.comment ?? file.name, 'plain'), sensitive: file.isSensitive || note.cw !== null }));
}

function pollFields(note: Note, target: Parameters<typeof escapeText>[1], wording: Wording): MessageField[] {
  return note.poll!.choices.map((choice) => ({
    name: escapeText(choice.text, target),
    value: wording.text('poll.votes', { count: choice.votes }),
    inline: true,
  }));
}
