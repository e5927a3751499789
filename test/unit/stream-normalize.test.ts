/**
 * Every notification type in Misskey's current list (the recorded ones as a real 2026.5.4 sent
 * them, the others in Misskey's packed shape) becomes its event and renders on every platform.
 */
import { eventName, type Event } from '../../src/normalize/event';
import { InvalidPayloadError } from '../../src/normalize/normalize';
import { normalizeChatMessage, normalizeNotification } from '../../src/normalize/notification';
import { PLATFORMS } from '../../src/render/message';
import { stopMfmParser } from '../../src/render/mfm';
import { renderMessage } from '../../src/render/render';
import { BUNDLED_TEMPLATES, TemplateSet } from '../../src/render/templates';
import { defaultTemplate } from '../../src/route/route';
import { recordedNotifications } from '../helpers/stream';

const SERVER = 'https://misskey.example';
const recorded = recordedNotifications();
const bob = recorded.mention!.raw.user as Record<string, unknown>;
const pollNote = recorded.pollEnded!.raw.note as Record<string, unknown>;
const at = '2026-12-07T11:40:00.000Z';

/** Types not in the recordings, in Misskey's packed form (NotificationEntityService). */
const DOCUMENTED: Record<string, Record<string, unknown>> = {
  note: { id: 'n1', createdAt: at, type: 'note', userId: bob.id, user: bob, note: recorded.mention!.raw.note },
  achievementEarned: { id: 'n2', createdAt: at, type: 'achievementEarned', achievement: 'notes1' },
  app: { id: 'n3', createdAt: at, type: 'app', header: 'Backup app', body: 'Your backup finished', icon: 'https://app.example/icon.png' },
  roleAssigned: { id: 'n4', createdAt: at, type: 'roleAssigned', role: { id: 'r1', name: 'Moderators', iconUrl: null } },
  exportCompleted: { id: 'n5', createdAt: at, type: 'exportCompleted', exportedEntity: 'note', fileId: 'f1' },
  scheduledNotePosted: { id: 'n6', createdAt: at, type: 'scheduledNotePosted', note: pollNote },
  scheduledNotePostFailed: { id: 'n7', createdAt: at, type: 'scheduledNotePostFailed' },
  test: { id: 'n8', createdAt: at, type: 'test' },
  someFutureType: { id: 'n9', createdAt: at, type: 'someFutureType', userId: bob.id, user: bob },
};

/** Misskey's type → the event our routes and templates name. */
const EXPECTED: Record<string, string> = {
  note: 'note',
  mention: 'mention',
  reply: 'reply',
  renote: 'renote',
  quote: 'quote',
  reaction: 'reaction',
  pollEnded: 'pollEnded',
  follow: 'followed',
  receiveFollowRequest: 'followRequest',
  followRequestAccepted: 'followRequestAccepted',
  login: 'login',
  createToken: 'createToken',
  chatRoomInvitationReceived: 'chatRoomInvitationReceived',
  achievementEarned: 'achievementEarned',
  app: 'app',
  roleAssigned: 'roleAssigned',
  exportCompleted: 'exportCompleted',
  scheduledNotePosted: 'scheduledNotePosted',
  scheduledNotePostFailed: 'scheduledNotePostFailed',
  test: 'test',
  someFutureType: 'someFutureType',
};

const input = (raw: unknown) => ({ source: 'alice', server: SERVER, ownerId: 'augr6ouel58j0003', raw, now: Date.parse(at) });
const notifications = [...Object.entries(recorded).filter(([type]) => type !== 'chatMessage'), ...Object.entries(DOCUMENTED).map(([type, raw]) => [type, { raw }] as const)];
const templates = TemplateSet.load([BUNDLED_TEMPLATES], { timeZone: 'UTC', locale: 'en', slackCw: 'link' });

afterAll(() => stopMfmParser());

describe('Misskey notifications → events', () => {
  it('covers every type of the list', () => {
    expect(new Set(notifications.map(([type]) => type))).toEqual(new Set(Object.keys(EXPECTED)));
  });

  it.each(notifications)('%s keeps its id and becomes its event', (type, { raw }) => {
    const event = normalizeNotification(input(raw));
    expect(event.id).toBe(raw.id);
    expect(eventName(event)).toBe(EXPECTED[type]);
    expect(event.server).toBe(SERVER);
    expect(event.ownerId).toBe('augr6ouel58j0003');
    expect(event.createdAt).toBe(Date.parse(raw.createdAt as string));
  });

  it.each(notifications)('%s renders on every platform', (_type, { raw }) => {
    const event = normalizeNotification(input(raw));
    for (const platform of PLATFORMS) {
      const message = renderMessage(event, defaultTemplate(event), platform, templates);
      expect(message.text.length + (message.title?.length ?? 0)).toBeGreaterThan(0);
    }
  });

  it('reads a reaction with its note, user and emoji', () => {
    const event = normalizeNotification(input(recorded.reaction!.raw)) as Event & { type: 'reaction' };
    expect(event.reaction).toBe(recorded.reaction!.raw.reaction);
    expect(event.user?.username).toBeTruthy();
    expect(event.note?.id).toBe((recorded.reaction!.raw.note as { id: string }).id);
    const discord = renderMessage(event, 'reaction', 'discord', templates);
    expect(discord.text).toContain(String(recorded.reaction!.raw.reaction));
  });

  it('says what a notice is about', () => {
    const role = renderMessage(normalizeNotification(input(DOCUMENTED.roleAssigned)), 'notice', 'slack', templates);
    expect(`${role.title} ${role.text}`).toContain('Moderators');
    const app = renderMessage(normalizeNotification(input(DOCUMENTED.app)), 'notice', 'matrix', templates);
    expect(`${app.title} ${app.text}`).toContain('Your backup finished');
  });

  it('turns a chat message into a chatMessage event that links to the conversation', () => {
    const event = normalizeChatMessage(input(recorded.chatMessage!.raw));
    expect(event.id).toBe(recorded.chatMessage!.raw.id);
    expect(event.message.fromUser?.username).toBe('bob');
    expect(event.message.url).toBe(`${SERVER}/chat/user/${String(recorded.chatMessage!.raw.fromUserId)}`);
    for (const platform of PLATFORMS) {
      expect(renderMessage(event, 'chatMessage', platform, templates).text).toContain('this is a chat message');
    }
  });

  it('refuses a note notification without its note', () => {
    expect(() => normalizeNotification(input({ id: 'x', createdAt: at, type: 'mention' }))).toThrow(InvalidPayloadError);
    expect(() => normalizeNotification(input('not an object'))).toThrow(InvalidPayloadError);
  });
});
