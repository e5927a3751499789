import { discordSinkConfig } from '../../src/sinks/discord/config';
import { describeTarget, laneOf, resolveTarget } from '../../src/sinks/discord/target';
import { safeUsername } from '../../src/sinks/discord/username';
import { normalizeApiBase, parseWebhookUrl } from '../../src/sinks/discord/webhook-url';

const ID = '123456789012345678';
const TOKEN = 'A'.repeat(34) + 'b_-'.repeat(11) + 'z';

function issues(input: Record<string, unknown>): string[] {
  const result = discordSinkConfig.safeParse({ type: 'discord', ...input });
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('Discord webhook URLs', () => {
  it.each([
    [`https://discord.com/api/webhooks/${ID}/${TOKEN}`, 'https://discord.com/api'],
    [`https://discordapp.com/api/v10/webhooks/${ID}/${TOKEN}/`, 'https://discordapp.com/api'],
    [`https://canary.discord.com/api/v9/webhooks/${ID}/${TOKEN}`, 'https://canary.discord.com/api'],
    [`http://127.0.0.1:8080/chat/api/webhooks/${ID}/${TOKEN}`, 'http://127.0.0.1:8080/chat/api'],
  ])('%s → API base %s, full token', (url, apiBase) => {
    expect(parseWebhookUrl(url)).toEqual({ apiBase, id: ID, token: TOKEN });
  });

  it('keeps a thread_id copied with the URL', () => {
    expect(parseWebhookUrl(`https://discord.com/api/webhooks/${ID}/${TOKEN}?thread_id=234567890123456789`)?.threadId).toBe('234567890123456789');
  });

  it.each(['not a url', 'ftp://discord.com/api/webhooks/1/2', `https://discord.com/api/webhooks/${ID}/${TOKEN}/slack`, 'https://discord.com/channels/1/2'])(
    'refuses %s',
    (url) => expect(parseWebhookUrl(url)).toBeUndefined(),
  );

  it('normalizes apiBase', () => {
    expect(normalizeApiBase('https://discord.com')).toBe('https://discord.com/api');
    expect(normalizeApiBase('https://discord.com/api/v10/')).toBe('https://discord.com/api');
    expect(normalizeApiBase('http://127.0.0.1:3000/proxy')).toBe('http://127.0.0.1:3000/proxy/api');
  });
});

describe('Discord sink config', () => {
  it('accepts webhook mode and bot mode, with defaults', () => {
    expect(discordSinkConfig.parse({ type: 'discord', webhookUrl: `https://discord.com/api/webhooks/${ID}/${TOKEN}` })).toMatchObject({
      allowMentions: false,
      suppressEmbeds: false,
    });
    expect(issues({ botToken: 'x.y.z', channelId: ID, threadId: ID, apiBase: 'https://discord.com/api' })).toEqual([]);
  });

  it('wants exactly one mode', () => {
    expect(issues({})).toEqual([': set webhookUrl (webhook mode) or botToken + channelId (bot mode)']);
    expect(issues({ webhookUrl: `https://discord.com/api/webhooks/${ID}/${TOKEN}`, botToken: 'x' })).toEqual([
      ': set either webhookUrl (webhook mode) or botToken + channelId (bot mode), not both',
    ]);
    expect(issues({ botToken: 'x' })).toEqual(['channelId: bot mode needs channelId']);
  });

  it('explains a bad webhook URL without repeating it (it holds the token)', () => {
    const [problem = ''] = issues({ webhookUrl: `https://discord.com/api/webhook/${ID}/${TOKEN}` });
    expect(problem).toContain('webhookUrl must look like https://discord.com/api/webhooks/<id>/<token>');
    expect(problem).not.toContain(TOKEN);
  });

  it('asks for quoted ids (YAML makes floats of long numbers)', () => {
    expect(issues({ botToken: 'x', channelId: 123456789012345680 })).toEqual([expect.stringContaining('channelId must be a quoted string')]);
    expect(issues({ botToken: 'x', channelId: '#general' })).toEqual([expect.stringContaining('channelId must be a Discord id')]);
  });

  it('refuses webhook-only options in bot mode and unknown keys', () => {
    expect(issues({ botToken: 'x', channelId: ID, username: 'Relay' })).toEqual(['username: username only works with a webhook: a bot always posts as itself']);
    expect(issues({ botToken: 'x', channelId: ID, chanelId: ID })).toEqual([expect.stringContaining('Unrecognized key')]);
  });
});

describe('Discord targets', () => {
  it('resolves webhook mode: base from the URL unless apiBase, thread from config over the URL', () => {
    const config = discordSinkConfig.parse({
      type: 'discord',
      webhookUrl: `https://discord.com/api/webhooks/${ID}/${TOKEN}?thread_id=234567890123456789`,
      threadId: '345678901234567890',
      apiBase: 'https://proxy.example',
    });
    const target = resolveTarget(config);
    expect(target).toEqual({ mode: 'webhook', apiBase: 'https://proxy.example/api', webhookId: ID, webhookToken: TOKEN, threadId: '345678901234567890' });
    expect(laneOf(target)).toBe(`discord:webhook:${ID}`);
    expect(describeTarget(target)).not.toContain(TOKEN);
  });

  it('resolves bot mode and strips a pasted "Bot " prefix', () => {
    const target = resolveTarget(discordSinkConfig.parse({ type: 'discord', botToken: 'Bot abc.def.ghi', channelId: ID }));
    expect(target).toEqual({ mode: 'bot', apiBase: 'https://discord.com/api', botToken: 'abc.def.ghi', channelId: ID });
    expect(laneOf(target)).toBe(`discord:channel:${ID}`);
  });
});

describe('safeUsername', () => {
  it.each([
    ['Alice', 'Alice'],
    ['Discord Fan', 'D\u200biscord Fan'],
    ['my CLYDE bot', 'my C\u200bLYDE bot'],
    ['everyone', 'everyone\u200b'],
    ['  spaced\nname  ', 'spaced name'],
    ['   ', undefined],
  ])('%j → %j', (name, safe) => expect(safeUsername(name)).toBe(safe));

  it('keeps at most 80 characters', () => {
    expect(safeUsername('x'.repeat(200))?.length).toBeLessThanOrEqual(80);
  });
});
