import { slackSinkConfigSchema } from '../../src/sinks/slack/config';

const messages = (config: unknown) => {
  const result = slackSinkConfigSchema.safeParse(config);
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
};

describe('Slack sink config', () => {
  test('bot mode with defaults', () => {
    expect(slackSinkConfigSchema.parse({ type: 'slack', token: 'xoxb-1', channel: '#alerts' })).toEqual({
      type: 'slack',
      token: 'xoxb-1',
      channel: '#alerts',
      threads: 'on',
      unfurl: false,
      allowMentions: false,
      batch: 'auto',
      reactions: ['❤️', '👍'],
    });
    expect(messages({ type: 'slack', token: 'xoxb-1', channel: 'C0123ABCD', apiUrl: 'http://127.0.0.1:9/api/', username: 'Misskey', iconUrl: 'https://x.example/i.png', unfurl: true })).toEqual([]);
  });

  test('webhook mode', () => {
    expect(messages({ type: 'slack', webhookUrl: 'https://hooks.slack.com/services/T000/B000/XXXX' })).toEqual([]);
    expect(messages({ type: 'slack', webhookUrl: 'https://hooks.slack.com/triggers/T000/1/abc' })).toEqual([
      'webhookUrl: must look like https://hooks.slack.com/services/T…/B…/…',
    ]);
  });

  test.each([
    [{ type: 'slack' }, ': set token + channel (bot) or webhookUrl (incoming webhook)'],
    [{ type: 'slack', token: 'x', channel: '#a', webhookUrl: 'https://hooks.slack.com/services/T/B/X' }, 'webhookUrl: set either webhookUrl (incoming webhook) or token + channel (bot), not both'],
    [{ type: 'slack', channel: '#a' }, 'token: token is required with channel'],
    [{ type: 'slack', token: 'x' }, 'channel: channel is required with token'],
    [{ type: 'slack', token: 'x', channel: 'alerts' }, 'channel: must be a channel id (C0123ABCD) or #name'],
    [{ type: 'slack', webhookUrl: 'https://hooks.slack.com/services/T/B/X', username: 'x' }, 'username: username applies to bot mode (token + channel) only'],
    [{ type: 'slack', token: 'x', channel: '#a', chanel: '#b' }, ': Unrecognized key: "chanel"'],
    [{ type: 'slack', token: 'x', channel: '#a', apiUrl: 'ftp://x' }, 'apiUrl: must be an http(s) URL'],
  ])('%j → %s', (config, message) => {
    expect(messages(config)).toContain(message);
  });
});
