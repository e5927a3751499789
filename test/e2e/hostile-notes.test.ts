/**
 * Notes built to make rendering slow (long texts of joining characters, thousands of attachments,
 * a reply and a quote) through the whole bridge into two Discord sinks: the bridge keeps answering
 * and the notes arrive, cut, within seconds.
 */
import { eventually, type TestBridge } from '../helpers/bridge';
import { onlyDeadLetter, postFixture, startReadyBridge } from '../helpers/e2e';
import { fixture } from '../helpers/fixtures';
import { startDiscordFake, type DiscordFake, type FakeMessage } from '../fakes/discord-fake';

type Body = Record<string, unknown>;
type NoteJson = Record<string, unknown> & { files: Record<string, unknown>[]; fileIds: string[] };

/** Text whose graphemes join several code points (flags, skin tones, combining marks), `length` units long. */
function joiningText(length: number): string {
  const pieces = ['🇯🇵', '👍🏽', 'é', '👩‍👩‍👧', ' ', 'ｶﾞ', '\n'];
  let text = '';
  for (let n = 0; text.length < length; n++) text += pieces[n % pieces.length];
  return text.slice(0, length);
}

/** The smallest drive file Misskey could send, so that thousands fit in the body limit. */
const file = (id: string) => ({ id, url: `https://m.x/${id}`, name: '', type: 'image/png', thumbnailUrl: null, isSensitive: false, comment: null });

function note(id: string, textLength: number, files: number): NoteJson {
  const base = structuredClone((fixture('note.files.json').body.body as { note: NoteJson }).note);
  const ids = Array.from({ length: files }, (_, n) => `${id.at(-1)!}${n.toString(36)}`);
  return { ...base, id, text: joiningText(textLength), files: ids.map(file), fileIds: [] };
}

function hostile(eventId: string, shape: { text: number; cw: number; files: number; nested: number }): Body {
  const body = structuredClone(fixture('note.files.json').body);
  const top = { ...note('hostile1', shape.text, shape.files), cw: shape.cw > 0 ? joiningText(shape.cw) : null };
  if (shape.nested > 0) {
    Object.assign(top, { replyId: 'hostile2', reply: note('hostile2', shape.nested, 4), renoteId: 'hostile3', renote: note('hostile3', shape.nested, 4) });
  }
  return { ...body, eventId, body: { note: top } };
}

/** Polls /healthz until stopped; the slowest answer it saw. */
function pollHealth(bridge: TestBridge): { stop: () => Promise<number> } {
  let slowest = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      const response = await fetch(`${bridge.url}/healthz`);
      await response.arrayBuffer();
      slowest = Math.max(slowest, performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return slowest;
    },
  };
}

describe('notes built to be slow to render', () => {
  let fake: DiscordFake;
  const cleanups: (() => Promise<void>)[] = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  const start = async () => {
    fake = await startDiscordFake();
    cleanups.push(() => fake.close());
    const [first, second] = [fake.addWebhook(), fake.addWebhook()];
    return startReadyBridge(
      { one: `{ type: discord, webhookUrl: "${first.url}" }`, two: `{ type: discord, webhookUrl: "${second.url}" }` },
      { digestThreshold: 0 },
      cleanups,
    );
  };

  it.each([
    ['a 110 KB note with a long CW, a reply and a quote', 'e0e0e0e0-0000-4000-8000-000000000001', { text: 3_000, cw: 60_000, files: 100, nested: 3_000 }, /…/],
    // the first LIMITS.files attachments (0 … 1v in base 36) are read, no more
    ['a note with 7,500 attachments', 'e0e0e0e0-0000-4000-8000-000000000002', { text: 200, cw: 0, files: 7_500, nested: 0 }, /^(?![^]*m\.x\/1w>)[^]*m\.x\/1v>/],
  ])('%s: /healthz answers within 100 ms throughout, and both sinks get it, cut', async (_what, eventId, shape, cut) => {
    const bridge = await start();
    const body = hostile(eventId, shape);
    const health = pollHealth(bridge);
    let messages: FakeMessage[];
    try {
      await postFixture(bridge, { name: 'hostile', body, host: 'misskey.example' });
      messages = await eventually(() => {
        expect(fake.messages).toHaveLength(2);
        return fake.messages;
      }, 10_000);
    } finally {
      const slowest = await health.stop();
      expect(slowest).toBeLessThan(100);
    }
    for (const message of messages) expect(JSON.stringify(message.embeds)).toMatch(cut);
    expect(await bridge.store.deadLetters.list()).toEqual([]);
  }, 60_000);

  it('a render over the time budget fails its job to the dead letters with the reason', async () => {
    fake = await startDiscordFake();
    cleanups.push(() => fake.close());
    const hook = fake.addWebhook();
    const bridge = await startReadyBridge({ one: `{ type: discord, webhookUrl: "${hook.url}" }` }, { extra: 'delivery: { renderBudget: 1ms }' }, cleanups);
    await postFixture(bridge, { name: 'hostile', body: hostile('e0e0e0e0-0000-4000-8000-000000000003', { text: 16_000, cw: 100, files: 16, nested: 8_000 }), host: 'misskey.example' });
    const letter = await onlyDeadLetter(bridge);
    expect(letter.error).toMatch(/render took \d+ ms, over the budget of 1 ms/);
    expect(fake.messages).toHaveLength(0);
  });
});
