import type { Message } from '../../src/render/message';
import { shareGallerySlots } from '../../src/sinks/discord/images';
import { MAX_EMBEDS } from '../../src/sinks/discord/limits';
import { composeBody, nonceFor, type BodyOptions } from '../../src/sinks/discord/payload';

const message = (over: Partial<Message> = {}): Message => ({
  event: 'note',
  text: 'text',
  plain: 'text',
  url: 'https://misskey.example/notes/1',
  images: [],
  fields: [],
  ...over,
});
const pictures = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => ({ url: `https://files.example/${prefix}-${i}.png`, alt: `${prefix} ${i}`, sensitive: false }));
const webhookOptions: BodyOptions = { mode: 'webhook', sinkName: 'test', allowMentions: false, suppressEmbeds: false };
const compose = (messages: Message[], options: Partial<BodyOptions> = {}) => composeBody({ key: 'k1', messages }, { ...webhookOptions, ...options });

describe('Discord payload', () => {
  it('shares the free embeds between the messages of a digest in turn', () => {
    expect(shareGallerySlots([4, 4, 4], 7)).toEqual([3, 2, 2]);
    expect(shareGallerySlots([0, 9, 1], 7)).toEqual([0, 6, 1]);
    expect(shareGallerySlots([2], 0)).toEqual([0]);
  });

  it('a digest with many images: ten embeds, each message first, the rest linked', () => {
    const messages = [1, 2, 3].map((n) => message({ url: `https://misskey.example/notes/${n}`, images: pictures(`m${n}`, 5) }));
    const { body, notes } = compose(messages);
    expect(body.embeds).toHaveLength(MAX_EMBEDS);
    const urls = body.embeds?.map((embed) => embed.url);
    expect(urls).toEqual([1, 1, 1, 1, 2, 2, 2, 3, 3, 3].map((n) => `https://misskey.example/notes/${n}`));
    expect(body.embeds?.[4]?.description).toContain('[m2 3](<https://files.example/m2-3.png>) [m2 4](<https://files.example/m2-4.png>)');
    expect(notes).toContainEqual(expect.objectContaining({ field: 'embeds[4].image', dropped: 2 }));
  });

  it('drops what Discord would refuse: non-http URLs, bad colours and timestamps', () => {
    const { body, notes } = compose([
      message({
        url: 'javascript:alert(1)',
        color: 0x1000000,
        timestamp: 'yesterday',
        author: { name: 'A', url: 'ftp://x', iconUrl: 'data:image/png;base64,xx' },
        images: [{ url: 'data:image/png;base64,xx', alt: '', sensitive: false }],
      }),
    ]);
    expect(body.embeds).toEqual([{ author: { name: 'A' }, description: 'text' }]);
    expect(notes).toContainEqual(expect.objectContaining({ field: 'embeds[0].image', dropped: 1 }));
  });

  it('never sends an empty embed', () => {
    expect(compose([message({ text: ' ', plain: 'plain *text*', url: undefined })]).body.embeds).toEqual([{ description: 'plain \\*text\\*' }]);
    expect(compose([message({ text: '', plain: '', url: undefined, event: 'unfollow' })]).body.embeds).toEqual([{ description: 'unfollow' }]);
  });

  it('gives blank field names and values a zero-width space', () => {
    const { body } = compose([message({ fields: [{ name: ' ', value: '', inline: false }] })]);
    expect(body.embeds?.[0]?.fields).toEqual([{ name: '\u200b', value: '\u200b', inline: false }]);
  });

  it('sets the mentions, identity and bot nonce', () => {
    const author = { name: 'Alice', iconUrl: 'https://misskey.example/a.png' };
    expect(compose([message({ author })])).toMatchObject({ body: { allowed_mentions: { parse: [] }, username: 'Alice', avatar_url: author.iconUrl } });
    expect(compose([message()], { allowMentions: true }).body.allowed_mentions).toEqual({ parse: ['users', 'roles'] });
    const bot = compose([message({ author })], { mode: 'bot' }).body;
    expect(bot.username).toBeUndefined();
    expect(bot).toMatchObject({ nonce: nonceFor('test', 'k1'), enforce_nonce: true });
  });

  it('derives a nonce of at most 25 characters, stable per sink and delivery', () => {
    expect(nonceFor('a', 'job-1')).toBe(nonceFor('a', 'job-1'));
    expect(nonceFor('a', 'job-1')).not.toBe(nonceFor('b', 'job-1'));
    for (let i = 0; i < 200; i++) expect(nonceFor('sink', `job-${i}`).length).toBeLessThanOrEqual(25);
  });

  it('suppressEmbeds: markdown blocks in content with flag 4', () => {
    const { body } = compose(
      [
        message({
          title: 'New **note**',
          text: 'Hello',
          footer: 'via *misskey*',
          fields: [{ name: 'Visibility', value: 'public', inline: true }],
          images: [
            { url: 'https://files.example/ok.png', alt: 'ok', sensitive: false },
            { url: 'https://files.example/nsfw.png', alt: 'nsfw', sensitive: true },
          ],
        }),
      ],
      { suppressEmbeds: true },
    );
    expect(body).toMatchObject({ flags: 4, allowed_mentions: { parse: [] } });
    expect(body.embeds).toBeUndefined();
    expect(body.content).toBe(
      [
        '### New **note**',
        'Hello',
        '',
        '||[nsfw](<https://files.example/nsfw.png>)|| [ok](<https://files.example/ok.png>)',
        '**Visibility**: public',
        '<https://misskey.example/notes/1>',
        '-# via \\*misskey\\*',
      ].join('\n'),
    );
  });

  it('suppressEmbeds: names the authors in a digest', () => {
    const { body } = compose([message({ author: { name: 'Alice' } }), message({ author: { name: 'B_b' } })], { suppressEmbeds: true });
    expect(body.username).toBeUndefined();
    expect(body.content).toContain('**Alice**');
    expect(body.content).toContain('**B\\_b**');
  });
});
