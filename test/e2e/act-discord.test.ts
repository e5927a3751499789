/**
 * Acting from Discord end to end: mention cards carry Reply and the sink's reactions, followed
 * cards Follow back. Reply opens a form as the interaction's first answer; its submission posts
 * exactly one note at the fake Misskey, replying with the parent's visibility, and the card says
 * who answered, with a link. Unsigned, stale, tampered, replayed and non-actor requests post nothing.
 */
import { eventually, type TestBridge } from '../helpers/bridge';
import { actingYaml, BOB, expectedReply, mention, startActing, VISIBILITIES } from '../helpers/acting';
import { discordHeaders, discordKeys } from '../helpers/interactions';
import { startDiscordFake, type DiscordFake, type FakeMessage } from '../fakes/discord-fake';
import { startMisskeyFake, type MisskeyFake } from '../fakes/misskey-fake';

const ACTOR = '223456789012345678';
const ACTOR_ROLE = '323456789012345678';
const STRANGER = '423456789012345678';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

let discord: DiscordFake;
let misskey: MisskeyFake;
let bridge: TestBridge;
let keys: ReturnType<typeof discordKeys>;
let endpoint: string;
let sinkYaml: string;

async function setUp(permissions?: string[]): Promise<void> {
  discord = await startDiscordFake();
  misskey = await startMisskeyFake({ accountPermissions: permissions });
  cleanups.push(() => discord.close(), () => misskey.close());
  keys = discordKeys();
  const channel = discord.addChannel();
  sinkYaml = `{ type: discord, botToken: "${discord.addBot().token}", channelId: "${channel.id}", guildId: "${channel.guildId}", apiBase: "${discord.url}", actors: ["${ACTOR}", "${ACTOR_ROLE}"], publicKey: "${keys.publicHex}" }`;
  bridge = await startActing(actingYaml(misskey, sinkYaml), cleanups);
  endpoint = `${bridge.url}/interactions/discord/chat`;
}

const card = (noteId: string) =>
  eventually(() => {
    const found = discord.messages.find((m) => JSON.stringify(m.body.components ?? []).includes(noteId));
    expect(found).toBeDefined();
    return found!;
  });

const buttons = (message: FakeMessage) =>
  ((message.body.components ?? []) as { components: { label: string; custom_id?: string }[] }[]).flatMap((row) => row.components);

const send = async (payload: Record<string, unknown>, headers = discordHeaders(keys.privateKey, JSON.stringify(payload))) => {
  const body = JSON.stringify(payload);
  return fetch(endpoint, { method: 'POST', headers, body });
};

const click = (message: FakeMessage, customId: string, userId = ACTOR) => send(discord.interaction(message.id, customId, { userId }));
const submit = (message: FakeMessage, customId: string, values: Record<string, string>, userId = ACTOR) =>
  discord.modalSubmit(message.id, customId, values, { userId });

describe('acting from Discord', () => {
  beforeEach(() => setUp());

  it('puts Reply and the reactions on a mention card', async () => {
    const message = await card(await mention(bridge, misskey, 'n0', 'public'));
    expect(buttons(message).map((b) => b.label)).toEqual(['Reply', '❤️', '👍']);
    expect(buttons(message)[0]!.custom_id).toBe('mkb:reply:alice:n0');
  });

  it.each(VISIBILITIES)('replies once to a %s note, never wider, the form being the first answer', async (visibility) => {
    const noteId = await mention(bridge, misskey, `n${visibility}`, visibility);
    const message = await card(noteId);
    const opened = await click(message, `mkb:reply:alice:${noteId}`);
    expect(opened.status).toBe(200);
    const form = (await opened.json()) as { type: number; data: { custom_id: string; components: unknown[] } };
    // the modal is the answer itself: nothing was deferred or sent before it
    expect(form.type).toBe(9);
    expect(form.data.custom_id).toBe(`mkb:reply:alice:${noteId}`);
    expect(discord.followups).toEqual([]);
    expect(message.edits).toBe(0);

    const answer = await send(submit(message, `mkb:reply:alice:${noteId}`, { text: '  thanks, **Bob** @carol  ' }));
    expect(await answer.json()).toEqual({ type: 6 });
    await eventually(() => expect(message.edits).toBe(1));
    expect(misskey.account.created).toHaveLength(1);
    const [reply] = misskey.account.created;
    expect(reply).toMatchObject({ replyId: noteId, text: '  thanks, **Bob** @carol  ', localOnly: false });
    const expected = expectedReply(misskey, noteId);
    expect({ visibility: reply!.visibility, visibleUserIds: [...reply!.visibleUserIds].sort(), cw: reply!.cw }).toEqual({ ...expected, visibleUserIds: [...expected.visibleUserIds].sort() });
    const shown = JSON.stringify(message.embeds);
    expect(shown).toContain(`Answered by <@${ACTOR}>`);
    expect(shown).toContain(`${misskey.url}/notes/${reply!.id}`);
    const [entry] = await bridge.store.audit.list(1);
    expect(entry).toMatchObject({ platform: 'discord', action: 'reply', reportId: noteId, actor: ACTOR, outcome: 'done' });
  });

  it('keeps local-only, and drops the CW when asked with "-"', async () => {
    const noteId = await mention(bridge, misskey, 'nlocal', 'specified', { localOnly: true });
    const message = await card(noteId);
    await send(submit(message, `mkb:reply:alice:${noteId}`, { text: 'ok', cw: '-' }));
    await eventually(() => expect(misskey.account.created).toHaveLength(1));
    expect(misskey.account.created[0]).toMatchObject({ localOnly: true, cw: null, visibility: 'specified' });
  });

  it('posts nothing for unsigned, stale, tampered, replayed and non-actor requests', async () => {
    const noteId = await mention(bridge, misskey, 'nsafe', 'followers');
    const message = await card(noteId);
    const payload = submit(message, `mkb:reply:alice:${noteId}`, { text: 'once' });
    const body = JSON.stringify(payload);
    expect((await send(payload, { 'content-type': 'application/json' })).status).toBe(401);
    expect((await send(payload, discordHeaders(keys.privateKey, body, String(Math.floor(Date.now() / 1000) - 301)))).status).toBe(401);
    const tampered = discordHeaders(keys.privateKey, body);
    const altered = body.replace('once', 'twice');
    expect((await fetch(endpoint, { method: 'POST', headers: tampered, body: altered })).status).toBe(401);
    expect((await send(payload)).status).toBe(200);
    expect((await send(payload)).status).toBe(401);
    const stranger = await send(submit(message, `mkb:reply:alice:${noteId}`, { text: 'me too' }, STRANGER));
    expect(((await stranger.json()) as { data: { content: string; flags: number } }).data).toMatchObject({ flags: 64, content: expect.stringContaining('not allowed') });
    await eventually(async () => expect((await bridge.store.audit.list(10)).map((e) => e.outcome).sort()).toEqual(['done', 'refused']));
    expect(misskey.account.created.map((n) => n.text)).toEqual(['once']);
    expect((await bridge.store.audit.list(10)).find((e) => e.outcome === 'refused')).toMatchObject({ actor: STRANGER, action: 'reply', reportId: noteId });
  });

  it('refuses a submission from another server, even by an actor', async () => {
    const noteId = await mention(bridge, misskey, 'nelsewhere', 'public');
    const message = await card(noteId);
    const answer = await send({ ...submit(message, `mkb:reply:alice:${noteId}`, { text: 'from afar' }), guild_id: '999999999999999999' });
    expect(((await answer.json()) as { data: { content: string } }).data.content).toMatch(/not posted where this bridge posts/);
    await eventually(async () => expect((await bridge.store.audit.list(1))[0]).toMatchObject({ outcome: 'refused', detail: expect.stringContaining('another server') }));
    expect(misskey.account.created).toEqual([]);
  });

  it('reacts once; a second press says it is already there; a role counts as an actor', async () => {
    const noteId = await mention(bridge, misskey, 'nreact', 'home');
    const message = await card(noteId);
    expect(await (await click(message, `mkb:react:alice:${noteId}:1`)).json()).toEqual({ type: 6 });
    await eventually(() => expect(message.edits).toBe(1));
    expect(misskey.account.reactions).toEqual([{ noteId, reaction: '👍' }]);
    expect(JSON.stringify(message.embeds)).toContain(`👍 reacted by <@${ACTOR}>`);
    const again = discord.interaction(message.id, `mkb:react:alice:${noteId}:1`, { userId: '523456789012345678', roles: [ACTOR_ROLE] });
    await send(again);
    await eventually(() => expect(discord.followups).toHaveLength(1));
    expect(discord.followups[0]!.body).toMatchObject({ flags: 64, content: expect.stringContaining('already') });
    expect(misskey.account.reactions).toHaveLength(1);
  });

  it('follows back from a followed card', async () => {
    const followed = { ...(await import('../helpers/conversation')).noteBody('followed', { id: 'x', text: null }) };
    Object.assign(followed, { body: { user: { id: BOB, username: 'bob', name: 'Bob', host: null, avatarUrl: null, isBot: false, isCat: false, emojis: {} } } });
    expect((await bridge.post('alice', followed)).status).toBe(204);
    const message = await card(BOB);
    expect(buttons(message).map((b) => b.label)).toEqual(['Follow back']);
    await click(message, `mkb:follow:alice:${BOB}`);
    await eventually(() => expect(message.edits).toBe(1));
    expect([...misskey.account.following]).toEqual([BOB]);
    expect(JSON.stringify(message.embeds)).toContain(`Followed back by <@${ACTOR}>`);
    expect(buttons(message)).toEqual([]);
  });
});

describe('acting from Discord when Misskey says no', () => {
  beforeEach(() => setUp());

  it('shows the rate limit with its Retry-After, and does not call again by itself', async () => {
    misskey.fail({ status: 429, message: 'Rate limit exceeded. Please try again later.', code: 'RATE_LIMIT_EXCEEDED', retryAfterSec: 42 }, { endpoint: 'notes/create' });
    const noteId = await mention(bridge, misskey, 'nrate', 'public');
    const message = await card(noteId);
    await send(submit(message, `mkb:reply:alice:${noteId}`, { text: 'busy' }));
    await eventually(() => expect(message.edits).toBe(1));
    expect(JSON.stringify(message.embeds)).toContain("Reply not posted: the account's rate limit at Misskey is reached: try again in 42 s");
    expect(misskey.calls.filter((c) => c.endpoint === 'notes/create')).toHaveLength(1);
    expect(misskey.account.created).toEqual([]);
    expect((await bridge.store.audit.list(1))[0]).toMatchObject({ action: 'reply', outcome: 'failed', detail: expect.stringContaining('RATE_LIMIT_EXCEEDED') });
  });

  it('says so when the note is gone', async () => {
    const noteId = await mention(bridge, misskey, 'ngone', 'public');
    const message = await card(noteId);
    misskey.account.notes.delete(noteId);
    await send(submit(message, `mkb:reply:alice:${noteId}`, { text: 'late' }));
    await eventually(() => expect(message.edits).toBe(1));
    expect(JSON.stringify(message.embeds)).toContain('Reply not posted: the note is gone, or this account cannot see it');
    expect(misskey.account.created).toEqual([]);
  });

  it('accepts a follow request from a followRequest card', async () => {
    misskey.account.requests.add(BOB);
    const body = { ...(await import('../helpers/conversation')).noteBody('followRequest', { id: 'x', text: null }) };
    Object.assign(body, { body: { user: { id: BOB, username: 'bob', name: 'Bob', host: null, avatarUrl: null, isBot: false, isCat: false, emojis: {} } } });
    await bridge.stop(1000);
    bridge = await startActing(actingYaml(misskey, sinkYaml).replace('events: [mention, followed]', 'events: [mention, followed, followRequest]'), cleanups);
    endpoint = `${bridge.url}/interactions/discord/chat`;
    expect((await bridge.post('alice', body)).status).toBe(204);
    const message = await card(BOB);
    expect(buttons(message).map((b) => b.label)).toEqual(['Accept', 'Reject']);
    await click(message, `mkb:accept:alice:${BOB}`);
    await eventually(() => expect(message.edits).toBe(1));
    expect(misskey.account.requests.size).toBe(0);
    expect(JSON.stringify(message.embeds)).toContain(`Follow request accepted by <@${ACTOR}>`);
  });
});

describe('acting from Discord with a token without write:reactions', () => {
  beforeEach(() => setUp(['write:notes']));

  it('shows the error on the card in plain words and audits it as failed', async () => {
    const noteId = await mention(bridge, misskey, 'nperm', 'public');
    const message = await card(noteId);
    await click(message, `mkb:react:alice:${noteId}:0`);
    await eventually(() => expect(message.edits).toBe(1));
    expect(JSON.stringify(message.embeds)).toContain('Reaction not added: the account token lacks the permission for this');
    expect(JSON.stringify(message.embeds)).toContain('PERMISSION_DENIED');
    expect(misskey.account.reactions).toEqual([]);
    const [entry] = await bridge.store.audit.list(1);
    expect(entry).toMatchObject({ action: 'react', outcome: 'failed', reportId: noteId, detail: expect.stringContaining('PERMISSION_DENIED') });
    // the buttons stay, to try again
    expect(buttons(message).map((b) => b.label)).toEqual(['Reply', '❤️', '👍']);
  });
});
