import { eventActor, eventNote, type Event, type Note } from '../normalize/event';
import type { Message, MessageField, MessageImage, Platform } from './message';
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
 * route names none; the generic one for types that have no template).
 */
export function renderMessage(event: Event, templateName: string, platform: Platform, templates: TemplateSet): Message {
  const template = templates.get(templateName, platform) ?? templates.get(FALLBACK_TEMPLATE, platform);
  if (!template) throw new TemplateError(`no template "${templateName}" (nor "${FALLBACK_TEMPLATE}") for ${platform}`);
  const view = buildView(event);
  const actor = eventActor(event);
  const note = eventNote(event);
  const shown = note?.isPureRenote && note.renote ? note.renote : note;
  const target = PLATFORM_TARGET[platform];
  return {
    event: view.event.type,
    text: template.text(view),
    plain: template.plain(view),
    title: template.title?.(view) || undefined,
    footer: template.footer?.(view) || undefined,
    color: template.color ?? EVENT_COLORS[view.event.type] ?? DEFAULT_COLOR,
    author: actor
      ? { name: escapeText(`${actor.name} (${actor.acct})`, 'plain'), url: actor.url, iconUrl: actor.avatarUrl ?? undefined }
      : undefined,
    url: view.url ?? undefined,
    timestamp: note?.createdAt ?? view.event.createdAt,
    images: shown ? images(shown) : [],
    fields: shown?.poll ? pollFields(shown, target === 'plain' ? 'plain' : target) : [],
  };
}

function images(note: Note): MessageImage[] {
  return note.files
    .filter((file) => file.isImage)
    .map((file) => ({ url: file.url, alt: escapeText(file.comment ?? file.name, 'plain'), sensitive: file.isSensitive || note.cw !== null }));
}

function pollFields(note: Note, target: Parameters<typeof escapeText>[1]): MessageField[] {
  return note.poll!.choices.map((choice) => ({
    name: escapeText(choice.text, target),
    value: `${choice.votes} ${choice.votes === 1 ? 'vote' : 'votes'}`,
    inline: true,
  }));
}
