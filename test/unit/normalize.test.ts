import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import fc from 'fast-check';
import { InvalidPayloadError, normalize } from '../../src/normalize/normalize';
import type { Event, Note, User } from '../../src/normalize/event';

type Json = Record<string, unknown>;

const SYNTHETIC_DIR = join(__dirname, '../fixtures/misskey');
const REAL_DIR = join(__dirname, '../fixtures/misskey-real');
const SYNTHETIC = readdirSync(SYNTHETIC_DIR).filter((f) => f.endsWith('.json') && f !== 'headers.json');
const REAL = readdirSync(REAL_DIR).filter((f) => f.endsWith('.json'));

function synthetic(name: string): Json {
  return JSON.parse(readFileSync(join(SYNTHETIC_DIR, name), 'utf8')) as Json;
}

function real(name: string): { payload: Json; misskeyHost: string } {
  const recorded = JSON.parse(readFileSync(join(REAL_DIR, name), 'utf8')) as { headers: Record<string, string>; body: Json };
  return { payload: recorded.body, misskeyHost: recorded.headers['x-misskey-host'] ?? '' };
}

function run(payload: unknown, misskeyHost?: string): Event {
  return normalize({ source: 'main', payload, misskeyHost });
}

function fromSynthetic(name: string): Event {
  return run(synthetic(name), 'misskey.example');
}

function fromReal(name: string): Event {
  const { payload, misskeyHost } = real(name);
  return run(payload, misskeyHost);
}

function noteOf(event: Event): Note {
  if (!('note' in event) || !event.note) throw new Error(`no note in ${event.type}`);
  return event.note;
}

function userOf(event: Event): User {
  if (!('user' in event) || !event.user) throw new Error(`no user in ${event.type}`);
  return event.user;
}

function reportOf(event: Event) {
  if (event.type !== 'abuseReport' && event.type !== 'abuseReportResolved') throw new Error(`no report in ${event.type}`);
  return event.report;
}

function invalidDetails(payload: unknown, misskeyHost = 'misskey.example'): string[] {
  try {
    run(payload, misskeyHost);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidPayloadError);
    return (error as InvalidPayloadError).details;
  }
  throw new Error('expected InvalidPayloadError');
}

/** A deep copy of a fixture with `body` replaced. */
function withBody(name: string, body: unknown, extra: Json = {}): Json {
  return { ...synthetic(name), ...extra, body };
}

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

describe('every fixture normalizes', () => {
  test.each(SYNTHETIC)('synthetic %s', (file) => {
    const payload = synthetic(file);
    const event = fromSynthetic(file);
    expect(event.type).toBe(payload.type);
    expect(event.type).toBe(file.split('.')[file.startsWith('test.') ? 1 : 0]);
    expect(event.id).toBe(payload.eventId);
    expect(event.hookId).toBe(payload.hookId);
    expect(event.createdAt).toBe(payload.createdAt);
    expect(event.source).toBe('main');
    expect(event.server).toBe('https://misskey.example');
    expect(event.host).toBe('misskey.example');
    expect(event.kind).toBe(payload.userId ? 'user' : 'system');
    expect(event.ownerId).toBe(payload.userId ?? null);
    expect(event.isTest).toBe(file.startsWith('test.'));
  });

  test.each(REAL)('real %s', (file) => {
    const { payload } = real(file);
    const event = fromReal(file);
    expect(event.type).toBe(file.replace(/^\d+-|\.json$/g, ''));
    expect(event.id).toBe(payload.eventId);
    expect(event.server).toBe('http://127.0.0.1:61812');
    expect(event.host).toBe('127.0.0.1:61812');
    expect(event.kind).toBe(payload.userId ? 'user' : 'system');
  });
});

describe('notes', () => {
  test('plain local note', () => {
    const event = fromSynthetic('note.basic.json');
    const note = noteOf(event);
    expect(note).toMatchObject({
      id: 'a8zgaxvf01',
      createdAt: '2025-06-14T07:00:00.123Z',
      url: 'https://misskey.example/notes/a8zgaxvf01',
      originalUrl: 'https://misskey.example/notes/a8zgaxvf01',
      text: 'Hello from Misskey! 今日はいい天気☀️ https://misskey-hub.net/',
      cw: null,
      visibility: 'public',
      localOnly: false,
      files: [],
      tags: [],
      emojis: {},
      poll: null,
      channel: null,
      reply: null,
      renote: null,
      isPureRenote: false,
      isQuote: false,
      isReply: false,
      isHidden: false,
    });
    expect(note.user).toMatchObject({
      id: '9e9obhw9a1',
      username: 'alice',
      host: null,
      rawName: 'Alice 🌸',
      name: 'Alice 🌸',
      acct: '@alice',
      url: 'https://misskey.example/@alice',
      remoteUrl: null,
      instance: null,
      description: null,
      followersCount: null,
    });
  });

  test('content warning', () => {
    const note = noteOf(fromSynthetic('note.cw.json'));
    expect(note.cw).toBe('ネタバレ注意 / spoilers for ep. 12');
    expect(note.text).toBe('犯人は執事だった。\nThe butler did it.');
  });

  test('files: image/video flags, size, alt text, dimensions', () => {
    const [photo, diagram, clip] = noteOf(fromSynthetic('note.files.json')).files;
    expect(photo).toEqual({
      id: 'a8zgnr9wg1',
      name: 'IMG_2041.jpg',
      type: 'image/jpeg',
      url: 'https://misskey.example/files/webpublic-6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d',
      thumbnailUrl: 'https://misskey.example/files/thumbnail-1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e',
      isSensitive: true,
      comment: null,
      size: 2481367,
      width: 4032,
      height: 3024,
      isImage: true,
      isVideo: false,
    });
    expect(diagram).toMatchObject({ isImage: true, isSensitive: false, comment: 'Architecture diagram: Misskey -> webhook receiver -> Discord' });
    expect(clip).toMatchObject({ type: 'video/mp4', isImage: false, isVideo: true, width: 1280, height: 720 });
  });

  test('pure renote of a remote note', () => {
    const note = noteOf(fromSynthetic('note.pure-renote.json'));
    expect(note).toMatchObject({ text: null, isPureRenote: true, isQuote: false, isReply: false });
    const original = note.renote;
    expect(original).toMatchObject({
      id: 'a8wkcp0s2g',
      url: 'https://misskey.example/notes/a8wkcp0s2g',
      originalUrl: 'https://mastodon.example/@kenji/112233445566778899',
      tags: ['photography'],
      reactionCount: 11,
      renoteCount: 12,
      repliesCount: 3,
    });
    expect(original?.emojis).toEqual({
      blobcat: 'https://mastodon.example/system/custom_emojis/images/000/012/345/original/blobcat.png',
      'blobcat_thumbsup@mastodon.example':
        'https://mastodon.example/system/custom_emojis/images/000/012/346/original/blobcat_thumbsup.png',
    });
    expect(original?.user).toMatchObject({
      acct: '@kenji@mastodon.example',
      url: 'https://misskey.example/@kenji@mastodon.example',
      host: 'mastodon.example',
      instance: { name: 'Mastodon Example', software: 'mastodon' },
      // UserLite carries no `url`
      remoteUrl: null,
    });
    expect(original?.files[0]).toMatchObject({ name: 'sunset.png', comment: 'Sunset over the bay', isImage: true });
  });

  test('quote', () => {
    const note = noteOf(fromSynthetic('note.quote.json'));
    expect(note).toMatchObject({ text: 'これ大事 👇 RE: bob', isPureRenote: false, isQuote: true });
    expect(note.renote?.user.acct).toBe('@bob');
  });

  test('quote with only a cw, a poll or files is not pure', () => {
    const base = synthetic('note.pure-renote.json');
    const rawNote = (base.body as Json).note as Json;
    for (const own of [{ cw: 'cw' }, { poll: { multiple: false, expiresAt: null, choices: [] } }, { fileIds: ['f1'] }, { replyId: 'r1' }]) {
      const note = noteOf(run(withBody('note.pure-renote.json', { note: { ...rawNote, ...own } })));
      expect([note.isPureRenote, note.isQuote]).toEqual([false, true]);
    }
  });

  test('reply from a remote user', () => {
    const event = fromSynthetic('reply.remote.json');
    expect(event.type).toBe('reply');
    const note = noteOf(event);
    expect(note.isReply).toBe(true);
    expect(note.originalUrl).toBe('https://mastodon.example/@kenji/112233445566770001');
    expect(note.emojis).toEqual({ blobcat: 'https://mastodon.example/system/custom_emojis/images/000/012/345/original/blobcat.png' });
    expect(note.user.emojis).toEqual(note.emojis);
    expect(note.reply).toMatchObject({ id: 'a8yxkfr81f', user: { acct: '@alice' }, reply: null, renote: null });
  });

  test('self reply', () => {
    const note = noteOf(fromSynthetic('note.reply.json'));
    expect(note).toMatchObject({ isReply: true, isQuote: false, reply: { text: '新しいカフェ見つけた☕ 駅前の角のところ' } });
  });

  test('mention from a remote bot without display name: name falls back, originalUrl from url', () => {
    const note = noteOf(fromSynthetic('mention.remote.json'));
    expect(note.user).toMatchObject({ rawName: null, name: 'nora', acct: '@nora@misskey.remote.example', isBot: true, isCat: true });
    expect(note.originalUrl).toBe('https://misskey.remote.example/notes/a8zjc9ckyy');
    expect(note.emojis).toEqual({ nora_wave: 'https://misskey.remote.example/files/2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e.webp' });
  });

  test('originalUrl falls back to uri', () => {
    const payload = synthetic('mention.remote.json');
    delete ((payload.body as Json).note as Json).url;
    expect(noteOf(run(payload)).originalUrl).toBe('https://misskey.remote.example/notes/a8zjc9ckyy');
  });

  test('visibility, localOnly, tags', () => {
    expect(noteOf(fromSynthetic('note.specified.json')).visibility).toBe('specified');
    expect(noteOf(fromSynthetic('note.followers-localonly.json'))).toMatchObject({ visibility: 'followers', localOnly: true });
    expect(noteOf(fromSynthetic('note.mfm.json')).tags).toEqual(['misskeywebhooks', 'ミスキー']);
  });

  test('renote event carries the quote and its original', () => {
    const event = fromSynthetic('renote.quote.local.json');
    expect(event.type).toBe('renote');
    const note = noteOf(event);
    expect(note).toMatchObject({ isQuote: true, user: { acct: '@bob' }, renote: { id: 'a8yxkfr81f', renoteCount: 3 } });
  });

  test('poll and channel', () => {
    const payload = synthetic('note.basic.json');
    Object.assign((payload.body as Json).note as Json, {
      poll: { multiple: true, expiresAt: '2025-07-01T00:00:00.000Z', choices: [{ text: 'yes', votes: 3, isVoted: false }, { text: 'no', votes: 1 }] },
      channelId: 'ch1',
      channel: { id: 'ch1', name: 'Cafés', color: '#f00', isSensitive: false },
    });
    const note = noteOf(run(payload));
    expect(note.poll).toEqual({ multiple: true, expiresAt: '2025-07-01T00:00:00.000Z', choices: [{ text: 'yes', votes: 3 }, { text: 'no', votes: 1 }] });
    expect(note.channel).toEqual({ id: 'ch1', name: 'Cafés' });
  });

  test('hidden note (mention packed for a user who may not see it)', () => {
    const payload = synthetic('mention.local.json');
    Object.assign((payload.body as Json).note as Json, { isHidden: true, text: null, files: [], fileIds: [] });
    expect(noteOf(run(payload))).toMatchObject({ isHidden: true, text: null, files: [] });
  });
});

describe('users', () => {
  test('follow of a remote user: detailed fields and remoteUrl', () => {
    const event = fromSynthetic('follow.remote.json');
    expect(event.type).toBe('follow');
    expect(userOf(event)).toEqual({
      id: '9tzebw0vk4',
      username: 'kenji',
      host: 'mastodon.example',
      rawName: 'けんじ :blobcat:',
      name: 'けんじ :blobcat:',
      acct: '@kenji@mastodon.example',
      url: 'https://misskey.example/@kenji@mastodon.example',
      remoteUrl: 'https://mastodon.example/@kenji',
      avatarUrl:
        'https://misskey.example/proxy/avatar.webp?url=https%3A%2F%2Fmastodon.example%2Fsystem%2Faccounts%2Favatars%2F109%2F876%2F543%2F210%2Foriginal%2F3c1e2f.png&avatar=1',
      isBot: false,
      isCat: false,
      emojis: { blobcat: 'https://mastodon.example/system/custom_emojis/images/000/012/345/original/blobcat.png' },
      instance: { name: 'Mastodon Example', software: 'mastodon' },
      description: '写真とコーヒー :blobcat:\n<https://kenji.example>',
      followersCount: 1024,
      followingCount: 256,
      notesCount: 9876,
    });
  });

  test('follow of a local user', () => {
    expect(userOf(fromSynthetic('follow.local.json'))).toMatchObject({
      acct: '@bob',
      url: 'https://misskey.example/@bob',
      remoteUrl: null,
      isCat: true,
      followersCount: 321,
      description: 'Misskey の中の人その2。**MFM** in bio :misskey_party:',
    });
  });

  test('a local user website in `url` is not a remote profile', () => {
    const payload = synthetic('follow.local.json');
    ((payload.body as Json).user as Json).url = 'https://bob.example';
    expect(userOf(run(payload)).remoteUrl).toBeNull();
  });

  test('followed and unfollow', () => {
    expect(userOf(fromSynthetic('followed.local.json'))).toMatchObject({ name: 'carol', rawName: null, acct: '@carol' });
    const unfollow = fromSynthetic('unfollow.json');
    expect(unfollow.type).toBe('unfollow');
    expect(userOf(unfollow).username).toBe('bob');
  });

  test('userCreated: bare user', () => {
    const event = fromSynthetic('userCreated.json');
    expect(event).toMatchObject({ type: 'userCreated', kind: 'system', ownerId: null });
    expect(userOf(event)).toMatchObject({ id: 'a8zr0r9xnb', name: 'newbie', acct: '@newbie', avatarUrl: 'https://misskey.example/identicon/newbie@misskey.example' });
  });

  test('moderator-only fields never reach the output', () => {
    const secrets = { moderationNote: 'SECRET-1', memo: 'SECRET-2', twoFactorEnabled: true, usePasswordLessLogin: true, securityKeys: ['SECRET-3'] };
    const follow = synthetic('follow.local.json');
    Object.assign((follow.body as Json).user as Json, secrets);
    const note = synthetic('note.basic.json');
    Object.assign(((note.body as Json).note as Json).user as Json, secrets);
    for (const payload of [follow, note]) {
      const out = JSON.stringify(run(payload));
      for (const word of ['SECRET', 'twoFactorEnabled', 'securityKeys', 'memo', 'usePasswordLessLogin']) expect(out).not.toContain(word);
    }
  });
});

describe('system events', () => {
  test('abuse report', () => {
    const event = fromSynthetic('abuseReport.json');
    expect(event).toMatchObject({ type: 'abuseReport', kind: 'system', ownerId: null, isTest: false });
    const report = reportOf(event);
    expect(report).toMatchObject({
      id: 'a8zovkzfrp',
      targetUserId: '9tzebw0vk4',
      reporterId: '9pk5ckm8c3',
      resolved: false,
      forwarded: false,
      resolvedAs: null,
      moderationNote: '',
      assignee: null,
      url: 'https://misskey.example/admin/abuses',
    });
    expect(report.comment).toContain('<script>x</script>');
    expect(report.targetUser).toMatchObject({ acct: '@kenji@mastodon.example' });
    expect(report.reporter).toMatchObject({ name: 'carol', acct: '@carol' });
  });

  test('resolved abuse report (real)', () => {
    const event = fromReal('047-abuseReportResolved.json');
    expect(event.type).toBe('abuseReportResolved');
    expect(reportOf(event)).toMatchObject({
      resolved: true,
      resolvedAs: 'accept',
      assignee: { username: 'alice', url: 'http://127.0.0.1:61812/@alice' },
      url: 'http://127.0.0.1:61812/admin/abuses',
    });
  });

  test('test abuse report: dummy ids, emojis []', () => {
    const event = fromSynthetic('test.abuseReport.json');
    expect(event.isTest).toBe(true);
    expect(reportOf(event)).toMatchObject({ moderationNote: 'foo', targetUser: { emojis: {}, avatarUrl: null, name: 'DummyUser1' } });
  });

  test('inactiveModeratorsWarning', () => {
    expect(fromSynthetic('inactiveModeratorsWarning.json')).toMatchObject({ remaining: { ms: 152434567, hours: 42, days: 1 } });
    expect(fromReal('012-inactiveModeratorsWarning.json')).toMatchObject({ remaining: { ms: 100000, hours: 24, days: 1 } });
  });

  test('inactiveModeratorsWarning without asHours/asDays derives them', () => {
    const payload = withBody('inactiveModeratorsWarning.json', { remainingTime: { time: 2 * 86_400_000 + 3_600_000 } });
    expect(run(payload)).toMatchObject({ remaining: { ms: 176_400_000, hours: 49, days: 2 } });
  });

  test('inactiveModeratorsInvitationOnlyChanged', () => {
    const event = run(withBody('inactiveModeratorsWarning.json', {}, { type: 'inactiveModeratorsInvitationOnlyChanged' }));
    expect(event).toMatchObject({ type: 'inactiveModeratorsInvitationOnlyChanged', kind: 'system' });
  });
});

describe('real recordings (payloads omit keys)', () => {
  test('userCreated', () => {
    expect(userOf(fromReal('001-userCreated.json'))).toMatchObject({
      username: 'bob',
      name: 'bob',
      acct: '@bob',
      url: 'http://127.0.0.1:61812/@bob',
    });
  });

  test('test-button mention: dummy ids, empty avatarUrl', () => {
    const event = fromReal('002-mention.json');
    expect(event.isTest).toBe(true);
    expect(noteOf(event)).toMatchObject({ id: 'dummy-mention-1', url: 'http://127.0.0.1:61812/notes/dummy-mention-1', user: { avatarUrl: null } });
  });

  test('reply and mention of the same note', () => {
    const reply = noteOf(fromReal('029-reply.json'));
    const mention = noteOf(fromReal('028-mention.json'));
    expect(reply).toEqual(mention);
    expect(reply).toMatchObject({ isReply: true, reply: { id: 'au3062yvmfb4000d', text: 'Hello from alice, plain public note.' } });
  });

  test('pure renote and quote', () => {
    expect(noteOf(fromReal('036-renote.json'))).toMatchObject({ isPureRenote: true, isQuote: false, renote: { id: 'au3062yvmfb4000d' } });
    expect(noteOf(fromReal('038-renote.json'))).toMatchObject({ isPureRenote: false, isQuote: true, text: 'quoting this' });
  });

  test('cw and files', () => {
    expect(noteOf(fromReal('071-note.json'))).toMatchObject({ cw: 'spoilers ahead', tags: ['spoiler'] });
    const files = noteOf(fromReal('072-note.json')).files;
    expect(files.map((f) => [f.name, f.isSensitive, f.comment, f.width])).toEqual([
      ['sensitive.png', true, null, 16],
      ['alt.png', false, 'A green square (alt text) with "quotes" & <angle>', 16],
    ]);
  });
});

describe('envelope', () => {
  test('without `server` the X-Misskey-Host header is used', () => {
    const payload = synthetic('note.basic.json');
    delete payload.server;
    const event = run(payload, 'misskey.example:8443');
    expect(event).toMatchObject({ server: 'https://misskey.example:8443', host: 'misskey.example:8443' });
    expect(noteOf(event).url).toBe('https://misskey.example:8443/notes/a8zgaxvf01');
    expect(noteOf(event).user.url).toBe('https://misskey.example:8443/@alice');
  });

  test('a trailing slash on `server` is stripped', () => {
    const event = run({ ...synthetic('note.basic.json'), server: 'https://misskey.example/' });
    expect(event.server).toBe('https://misskey.example');
    expect(noteOf(event).url).toBe('https://misskey.example/notes/a8zgaxvf01');
  });

  test('no `server` and no usable host header', () => {
    const payload = synthetic('note.basic.json');
    delete payload.server;
    expect(invalidDetails(payload, '')).toEqual([expect.stringMatching(/^server: /)]);
    expect(invalidDetails(payload, 'evil.example/path')).toEqual([expect.stringMatching(/^server: /)]);
    expect(invalidDetails({ ...payload, server: 'javascript:alert(1)' })).toEqual(['server: not an http(s) URL']);
  });

  test('kind follows userId', () => {
    expect(fromSynthetic('note.basic.json')).toMatchObject({ kind: 'user', ownerId: '9e9obhw9a1' });
    expect(fromSynthetic('userCreated.json')).toMatchObject({ kind: 'system', ownerId: null });
  });

  const validNote = synthetic('note.basic.json');
  const validBody = validNote.body as Json;
  const validRawNote = validBody.note as Json;
  const { eventId: _eventId, ...withoutEventId } = validNote;
  const { type: _type, ...withoutType } = validNote;
  const { hookId: _hookId, ...withoutHookId } = validNote;
  const { body: _body, ...withoutBody } = validNote;
  const { id: _id, ...noteWithoutId } = validRawNote;
  const { username: _username, ...userWithoutUsername } = validRawNote.user as Json;

  test.each<[string, unknown, string]>([
    ['a string', 'hello', 'payload: expected object, received string'],
    ['null', null, 'payload: expected object, received null'],
    ['an array', [validNote], 'payload: expected object, received array'],
    ['missing eventId', withoutEventId, 'eventId: expected string, received undefined'],
    ['numeric eventId', { ...validNote, eventId: 42 }, 'eventId: expected string, received number'],
    ['empty eventId', { ...validNote, eventId: '' }, 'eventId: Too small: expected string to have >=1 characters'],
    ['missing type', withoutType, 'type: expected string, received undefined'],
    ['missing hookId', withoutHookId, 'hookId: expected string, received undefined'],
    ['createdAt as a string', { ...validNote, createdAt: '2025-06-14' }, 'createdAt: expected number, received string'],
    ['missing body', withoutBody, 'body: expected object, received undefined'],
    ['body a string', { ...validNote, body: 'x' }, 'body: expected object, received string'],
    ['body an array', { ...validNote, body: [validRawNote] }, 'body: expected object, received array'],
    ['note without id', { ...validNote, body: { note: noteWithoutId } }, 'body.note.id: expected string, received undefined'],
    ['note user without username', { ...validNote, body: { note: { ...validRawNote, user: userWithoutUsername } } }, 'body.note.user.username: expected string, received undefined'],
    ['note body without note', { ...validNote, body: {} }, 'body.note: expected object, received undefined'],
    ['follow without user', { ...validNote, type: 'follow', body: { user: null } }, 'body.user: expected object, received null'],
    ['abuse report without id', { ...synthetic('abuseReport.json'), body: { ...(synthetic('abuseReport.json').body as Json), id: 7 } }, 'body.id: expected string, received number'],
    ['warning without remainingTime', withBody('inactiveModeratorsWarning.json', {}), 'body.remainingTime: expected object, received undefined'],
  ])('%s', (_name, payload, detail) => {
    const details = invalidDetails(payload);
    expect(details).toContain(detail);
  });

  test('the error message lists the details', () => {
    const error = (() => {
      try {
        run({ ...validNote, eventId: 1, type: 2 });
      } catch (e) {
        return e as InvalidPayloadError;
      }
      throw new Error('did not throw');
    })();
    expect(error.name).toBe('InvalidPayloadError');
    expect(error.details).toEqual(['eventId: expected string, received number', 'type: expected string, received number']);
    expect(error.message).toContain('eventId: expected string');
  });
});

describe('test-button shapes', () => {
  test('2024.9 unwrapped note body reads like the wrapped one', () => {
    const wrapped = synthetic('test.note.json');
    const unwrapped = { ...wrapped, body: (wrapped.body as Json).note };
    const event = run(unwrapped);
    expect(event.isTest).toBe(true);
    expect(noteOf(event)).toEqual(noteOf(run(wrapped)));
    expect(noteOf(event)).toMatchObject({ id: 'dummy-note-1', user: { username: 'dummy1' } });
  });

  test('2024.9 unwrapped user body', () => {
    const wrapped = synthetic('follow.local.json');
    const event = run({ ...wrapped, body: (wrapped.body as Json).user });
    expect(userOf(event)).toEqual(userOf(run(wrapped)));
  });

  test('emojis: [] reads as an empty map', () => {
    const note = noteOf(fromSynthetic('test.note.json'));
    expect(note.emojis).toEqual({});
    expect(note.user.emojis).toEqual({});
    expect(note).toMatchObject({ localOnly: true, renoteCount: 10, repliesCount: 5 });
  });

  test('renote test: dummy-renote-1 quoting dummy-note-1', () => {
    const testNote = (synthetic('test.note.json').body as Json).note as Json;
    const payload = withBody('test.note.json', { note: { ...testNote, id: 'dummy-renote-1', text: null, renoteId: 'dummy-note-1', renote: testNote } }, { type: 'renote' });
    const event = run(payload);
    expect(event).toMatchObject({ type: 'renote', isTest: true });
    expect(noteOf(event)).toMatchObject({ isPureRenote: true, renote: { id: 'dummy-note-1' } });
  });
});

describe('unknown and loose types', () => {
  test('Sharkey `edited` with a note', () => {
    const payload = { ...synthetic('note.cw.json'), type: 'edited' };
    const event = run(payload);
    expect(event).toMatchObject({ type: 'unknown', unknownType: 'edited', user: null, bodyKeys: ['note'] });
    expect(noteOf(event)).toMatchObject({ id: 'a8zghlbs02', cw: 'ネタバレ注意 / spoilers for ep. 12' });
  });

  test('new type with an empty body', () => {
    expect(run({ ...synthetic('userCreated.json'), type: 'somethingNew', body: {} })).toMatchObject({
      type: 'unknown',
      unknownType: 'somethingNew',
      note: null,
      user: null,
      bodyKeys: [],
      kind: 'system',
    });
  });

  test('unknown type with a user and an unreadable note', () => {
    const user = (synthetic('followed.local.json').body as Json).user;
    const event = run({ ...synthetic('followed.local.json'), type: 'emojiRequestCreated', body: { user, note: { id: 5 }, extra: 1 } });
    expect(event).toMatchObject({ type: 'unknown', note: null, user: { acct: '@carol' }, bodyKeys: ['user', 'note', 'extra'] });
  });

  test('reaction: read loosely', () => {
    const rawNote = (synthetic('note.basic.json').body as Json).note;
    const rawUser = (synthetic('followed.local.json').body as Json).user;
    const full = run({ ...synthetic('note.basic.json'), type: 'reaction', body: { note: rawNote, user: rawUser, reaction: '👍' } });
    expect(full).toMatchObject({ type: 'reaction', reaction: '👍', note: { id: 'a8zgaxvf01' }, user: { username: 'carol' } });
    const empty = run({ ...synthetic('note.basic.json'), type: 'reaction', body: {} });
    expect(empty).toMatchObject({ type: 'reaction', note: null, user: null, reaction: null });
  });
});

describe('tolerance and hostile input', () => {
  function addUnknownKeys(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(addUnknownKeys);
    if (value && typeof value === 'object') {
      const copy: Json = { futureField: { nested: [1, 'two'] }, updatedAtHistory: [] };
      for (const [k, v] of Object.entries(value)) copy[k] = addUnknownKeys(v);
      return copy;
    }
    return value;
  }

  test.each(['note.pure-renote.json', 'follow.local.json', 'abuseReport.json', 'reply.remote.json', 'inactiveModeratorsWarning.json'])(
    'extra unknown keys anywhere are ignored (%s)',
    (file) => {
      const event = fromSynthetic(file);
      const noisy = run(addUnknownKeys(synthetic(file)), 'misskey.example');
      expect(noisy).toEqual(event);
      expect(JSON.stringify(noisy)).not.toContain('futureField');
    },
  );

  test('missing optional keys get defaults', () => {
    const minimal = {
      hookId: 'h',
      eventId: 'e',
      createdAt: 1749884400260,
      type: 'note',
      body: { note: { id: 'n', user: { id: 'u', username: 'someone' } } },
    };
    const note = noteOf(run(minimal, 'misskey.example'));
    expect(note).toMatchObject({
      createdAt: '2025-06-14T07:00:00.260Z',
      text: null,
      visibility: 'specified',
      files: [],
      emojis: {},
      isPureRenote: false,
      reactionCount: 0,
      user: { name: 'someone', avatarUrl: null, isBot: false },
    });
  });

  test('wrong types in optional fields fall back instead of failing', () => {
    const payload = synthetic('note.files.json');
    const note = (payload.body as Json).note as Json;
    Object.assign(note, { visibility: 'everyone', text: 42, tags: 'x', reactionCount: 'many', poll: 'yes' });
    (note.files as Json[]).push('not a file' as unknown as Json, { id: 'bad', url: 'javascript:alert(1)' });
    const out = noteOf(run(payload));
    expect(out).toMatchObject({ visibility: 'specified', text: null, tags: [], reactionCount: 0, poll: null });
    expect(out.files.map((f) => f.id)).toEqual(['a8zgnr9wg1', 'a8zgnu1wg2', 'a8zgnvr0g3']);
  });

  test('non-http URLs are dropped', () => {
    const payload = synthetic('mention.remote.json');
    const note = (payload.body as Json).note as Json;
    Object.assign(note, { url: 'javascript:alert(1)', emojis: { bad: 'javascript:x', good: 'https://e.example/a.png', num: 3 } });
    Object.assign(note.user as Json, { avatarUrl: 'data:text/html,x' });
    const out = noteOf(run(payload));
    expect(out.originalUrl).toBe('https://misskey.remote.example/notes/a8zjc9ckyy');
    expect(out.emojis).toEqual({ good: 'https://e.example/a.png' });
    expect(out.user.avatarUrl).toBeNull();
  });

  test('odd usernames cannot change the profile URL path', () => {
    const payload = synthetic('followed.local.json');
    Object.assign((payload.body as Json).user as Json, { username: '../admin?x', host: 'h.example/#' });
    const user = userOf(run(payload));
    expect(user.acct).toBe('@../admin?x@h.example/#');
    expect(user.url).toBe('https://misskey.example/@..%2Fadmin%3Fx@h.example%2F%23');
  });

  test('an unreadable embedded note reads as null', () => {
    const payload = synthetic('note.quote.json');
    delete (((payload.body as Json).note as Json).renote as Json).user;
    expect(noteOf(run(payload))).toMatchObject({ isQuote: true, renote: null });
  });

  test('renote chains are cut after three levels', () => {
    const rawNote = (synthetic('note.basic.json').body as Json).note as Json;
    let chain: Json = { ...rawNote, id: 'n0' };
    for (let i = 1; i <= 50; i++) chain = { ...rawNote, id: `n${i}`, text: null, renoteId: `n${i - 1}`, renote: chain };
    const note = noteOf(run(withBody('note.basic.json', { note: chain })));
    expect(note.id).toBe('n50');
    expect(note.renote?.id).toBe('n49');
    expect(note.renote?.renote?.id).toBe('n48');
    expect(note.renote?.renote?.renote).toBeNull();
  });

  test('prototype keys do not pollute', () => {
    const json =
      '{"__proto__":{"polluted":1},"hookId":"h","eventId":"e","createdAt":1,"type":"note","server":"https://m.example",' +
      '"body":{"__proto__":{"polluted":2},"note":{"id":"n","__proto__":{"polluted":3},"emojis":{"__proto__":"https://x.example/a.png","constructor":"https://x.example/b.png","ok":"https://x.example/c.png"},' +
      '"user":{"id":"u","username":"a","constructor":{"prototype":{"polluted":4}}}}}}';
    const event = run(JSON.parse(json));
    const note = noteOf(event);
    expect(Object.keys(note.emojis)).toEqual(['ok']);
    expect(Object.getPrototypeOf(note.emojis)).toBe(Object.prototype);
    expect(({} as Json).polluted).toBeUndefined();
    expect((event as unknown as Json).polluted).toBeUndefined();
  });

  test('any JSON value: an Event or an InvalidPayloadError, nothing else', () => {
    const types = ['note', 'reply', 'renote', 'mention', 'follow', 'followed', 'unfollow', 'reaction', 'abuseReport', 'abuseReportResolved', 'userCreated', 'inactiveModeratorsWarning', 'x'];
    const envelopeLike = fc.record({
      server: fc.oneof(fc.constant('https://m.example'), fc.string()),
      hookId: fc.string(),
      eventId: fc.string(),
      createdAt: fc.oneof(fc.integer(), fc.double()),
      type: fc.constantFrom(...types),
      userId: fc.option(fc.string()),
      body: fc.oneof(fc.jsonValue(), fc.dictionary(fc.constantFrom('note', 'user', 'id', 'username', 'remainingTime', '__proto__'), fc.jsonValue())),
    });
    const fixtures = [...SYNTHETIC.map((f) => synthetic(f))];
    const mutated = fc.tuple(fc.constantFrom(...fixtures), fc.jsonValue()).map(([fixture, junk]) => {
      const copy = clone(fixture);
      const body = copy.body as Json;
      const target = (body.note ?? body.user ?? body) as Json;
      for (const k of Object.keys(target).slice(0, 3)) target[k] = junk;
      return copy;
    });
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), envelopeLike, mutated), (payload) => {
        try {
          const event = run(payload, 'misskey.example');
          expect(typeof event.type).toBe('string');
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidPayloadError);
          // the catch-all for our own bugs must never be what answers
          expect((error as InvalidPayloadError).details.join()).not.toContain('unreadable');
        }
      }),
      { numRuns: 500 },
    );
  });
});
