import { ConfigError } from '../../src/config/errors';
import { describeActed } from '../../src/interact/acted';
import { Catalogs } from '../../src/render/catalog';
import { BUNDLED_TEMPLATES } from '../../src/render/templates';
import { parseConfig } from '../../src/config/load';
import { accountActionId, parseAccountActionId, parseActionId } from '../../src/sinks/actions';
import { withoutReplyFallback } from '../../src/interact/matrix-act';
import { plainFailure, replyVisibility, type ParentNote } from '../../src/interact/misskey-account';

const parent = (visibility: ParentNote['visibility'], extra: Partial<ParentNote> = {}): ParentNote => ({
  id: 'n1',
  userId: 'bob',
  visibility,
  visibleUserIds: [],
  localOnly: false,
  cw: null,
  ...extra,
});

describe('a reply’s visibility', () => {
  it('is always the parent’s, never the server default (public)', () => {
    expect(replyVisibility(parent('public'))).toEqual({ visibility: 'public' });
    expect(replyVisibility(parent('home'))).toEqual({ visibility: 'home' });
    expect(replyVisibility(parent('followers', { localOnly: true }))).toEqual({ visibility: 'followers', localOnly: true });
  });

  it('of a specified note lists its recipients and its author, once each', () => {
    expect(replyVisibility(parent('specified', { visibleUserIds: ['alice', 'carol', 'bob'] }))).toEqual({ visibility: 'specified', visibleUserIds: ['alice', 'carol', 'bob'] });
    expect(replyVisibility(parent('specified', { visibleUserIds: ['alice'] }))).toEqual({ visibility: 'specified', visibleUserIds: ['alice', 'bob'] });
  });
});

describe('Misskey’s errors in plain words', () => {
  it('names the wait of a rate limit, and Misskey’s own message and code', () => {
    expect(plainFailure({ ok: false, status: 429, code: 'RATE_LIMIT_EXCEEDED', message: 'Rate limit exceeded.', retryAfterSec: 3 })).toBe(
      "the account's rate limit at Misskey is reached: try again in 3 s (RATE_LIMIT_EXCEEDED)",
    );
    expect(plainFailure({ ok: false, status: 400, code: 'NO_SUCH_REPLY_TARGET', message: 'No such reply target.' })).toBe(
      'the note is gone, or this account cannot see it — Misskey: No such reply target. (NO_SUCH_REPLY_TARGET)',
    );
    expect(plainFailure({ ok: false, status: 500, code: 'INTERNAL_ERROR', message: 'Internal error occurred.' })).toBe('Misskey answered: Internal error occurred. (INTERNAL_ERROR)');
  });

  it('says that an unanswered call may have been done', () => {
    expect(plainFailure({ ok: false, status: 0, message: 'no answer within 10000 ms' })).toMatch(/may or may not have done it/);
  });
});

describe('action ids', () => {
  it('name the account’s actions and keep apart from moderation’s', () => {
    expect(parseAccountActionId(accountActionId('react', 'alice', 'n1', 1))).toEqual({ action: 'react', source: 'alice', subject: 'n1', index: 1 });
    expect(parseAccountActionId(accountActionId('reply', 'alice', 'n1'))).toEqual({ action: 'reply', source: 'alice', subject: 'n1' });
    expect(parseAccountActionId('mkb:react:alice:n1')).toBeNull();
    expect(parseAccountActionId('mkb:reply:alice:n1:0')).toBeNull();
    expect(parseAccountActionId('mkb:resolve:system:r1')).toBeNull();
    expect(parseActionId('mkb:reply:alice:n1')).toBeNull();
  });
});

describe('a Matrix reply’s text', () => {
  it('loses the quote clients put before it, nothing else', () => {
    expect(withoutReplyFallback('> <@bot:example.org> card\n> more\n\nmy answer\n> kept')).toBe('my answer\n> kept');
    expect(withoutReplyFallback('> a quote of my own\n\nthen text')).toBe('> a quote of my own\n\nthen text');
    expect(withoutReplyFallback('plain')).toBe('plain');
  });
});

function problems(yaml: string): string {
  try {
    parseConfig(yaml, 'config.yaml', {});
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('config was accepted');
}

const config = (source: string, sink: string) => `
sources:
  alice: { secret: s3cret${source} }
sinks:
  chat: ${sink}
routes:
  - { name: all, events: "*", to: [chat] }
`;

describe('acting config', () => {
  const discord = '{ type: discord, botToken: b0t, channelId: "123456789012345678", guildId: "923456789012345678", actors: ["223456789012345678"], publicKey: "' + 'a'.repeat(64) + '" }';

  it('takes an account token beside the server, actors and reactions per sink (default ❤️ 👍)', () => {
    const parsed = parseConfig(config(', server: "https://misskey.example", account: { token: t0ken }', discord), 'config.yaml', {});
    expect(parsed.sources.alice!.account).toEqual({ token: 't0ken' });
    const sink = parsed.sinks.chat!;
    expect(sink.type === 'discord' && [sink.actors, sink.reactions]).toEqual([['223456789012345678'], ['❤️', '👍']]);
  });

  it('refuses an account without a server, and a server in clear', () => {
    expect(problems(config(', account: { token: t0ken }', discord))).toMatch(/account needs server/);
    expect(problems(config(', server: "http://misskey.example", account: { token: t0ken }', discord))).toMatch(/would cross the network in clear/);
  });

  it('needs the signing key with actors, and bot mode on Slack', () => {
    expect(problems(config('', discord.replace(/, publicKey: "a+"/, '')))).toMatch(/publicKey is missing/);
    expect(problems(config('', '{ type: slack, webhookUrl: "https://hooks.slack.com/services/T0/B0/x", actors: ["U0ACTOR1"], signingSecret: s, teamId: T000 }'))).toMatch(
      /acting from chat needs bot mode/,
    );
  });
});

describe('the card lines of account actions', () => {
  const wordings = Catalogs.load([BUNDLED_TEMPLATES]);
  const en = wordings.wording({ locale: 'en', timeZone: 'UTC' });
  const ja = wordings.wording({ locale: 'ja', timeZone: 'Asia/Tokyo' });
  const reply = { platform: 'slack', sink: 'chat', source: 'alice', trigger: 't1', actor: { id: 'U1' }, action: 'reply', subject: 'n1', text: 'hi' } as const;
  const link = (text: string, url: string) => `<${url}|${text}>`;

  it('are worded in the sink’s language, Misskey’s own reason kept as it is', () => {
    const done = { kind: 'done', at: 0, action: 'reply', noteUrl: 'https://misskey.example/notes/n2' } as const;
    expect(describeActed(done, reply, '<@U1>', link, en)).toBe('↩️ Answered by <@U1> · <https://misskey.example/notes/n2|the reply>');
    expect(describeActed(done, reply, '<@U1>', link, ja)).toBe('↩️ <@U1> が返信しました · <https://misskey.example/notes/n2|返信>');
    const failed = { kind: 'failed', reason: 'the note is gone' } as const;
    expect(describeActed(failed, reply, '', link, ja)).toBe('⚠️ 返信できませんでした: the note is gone');
    const react = { ...reply, action: 'react', reaction: '👍' } as const;
    expect(describeActed({ kind: 'done', at: 0, action: 'react' }, react, '<@U1>', link, ja)).toBe('<@U1> が 👍 でリアクションしました');
  });
});
