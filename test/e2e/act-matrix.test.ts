/**
 * Acting from Matrix end to end: note cards say how to act and name their note; an actor's reply
 * to a card (`m.in_reply_to`), read with /sync from the Matrix fake, posts its text (without the
 * quote clients put before it) as exactly one reply at the fake Misskey, with the parent's
 * visibility; a reaction from the sink's list reacts. Anyone else's reply posts nothing.
 */
import { eventually, type TestBridge } from '../helpers/bridge';
import { actingYaml, expectedReply, mention, startActing, VISIBILITIES } from '../helpers/acting';
import { startMatrixFake, type FakeEvent, type MatrixFake } from '../fakes/matrix-fake';
import { startMisskeyFake, type MisskeyFake } from '../fakes/misskey-fake';

const ROOM = '!social:example.org';
const BOT = '@bot:example.org';
const ACTOR = '@alice:example.org';
const STRANGER = '@stranger:example.org';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

let matrix: MatrixFake;
let misskey: MisskeyFake;
let bridge: TestBridge;

async function setUp(permissions?: string[]): Promise<void> {
  matrix = await startMatrixFake({ rooms: [{ id: ROOM, members: [BOT, ACTOR, STRANGER] }] });
  misskey = await startMisskeyFake({ accountPermissions: permissions });
  cleanups.push(() => matrix.close(), () => misskey.close());
  const sink = `{ type: matrix, homeserver: "${matrix.url}", accessToken: "${matrix.bot.accessToken}", room: "${ROOM}", actors: ["${ACTOR}"] }`;
  bridge = await startActing(actingYaml(misskey, sink), cleanups);
  // the listener has recorded its position and is long-polling for what comes next
  await eventually(() => expect(matrix.syncRequests().some((r) => r.query.has('since'))).toBe(true));
}

const card = (noteId: string) =>
  eventually(() => {
    const found = matrix.timeline(ROOM).find((e) => JSON.stringify(e.content).includes(`"noteId":"${noteId}"`));
    expect(found).toBeDefined();
    return found!;
  });

const replyTo = (event: FakeEvent, sender: string, text: string) =>
  matrix.say(ROOM, sender, {
    msgtype: 'm.text',
    // the fallback quote clients put before the text
    body: `> <${BOT}> the card\n> second line\n\n${text}`,
    'm.relates_to': { 'm.in_reply_to': { event_id: event.eventId } },
  });

const notices = (event: FakeEvent) =>
  matrix
    .timeline(ROOM)
    .filter((e) => e.sender === BOT && (e.content['m.relates_to'] as { 'm.in_reply_to'?: { event_id?: string } } | undefined)?.['m.in_reply_to']?.event_id === event.eventId)
    .map((e) => String(e.content.body));

describe('acting from Matrix', () => {
  beforeEach(() => setUp());

  it('puts the hint line and the note on the card', async () => {
    const event = await card(await mention(bridge, misskey, 'm0', 'public'));
    expect(event.content['org.misskey-bridge.account']).toEqual({ source: 'alice', noteId: 'm0', reply: true });
    expect(event.content.body).toMatch(/Reply to this message to answer the note; react ❤️ 👍 to react at Misskey$/);
  });

  it.each(VISIBILITIES)('replies once to a %s note with the text as typed, never wider', async (visibility) => {
    const noteId = await mention(bridge, misskey, `m${visibility}`, visibility);
    const event = await card(noteId);
    const reply = replyTo(event, ACTOR, 'see you *there*\n> not a quote');
    await eventually(() => expect(notices(event)).toHaveLength(1));
    expect(misskey.account.created).toHaveLength(1);
    const [note] = misskey.account.created;
    expect(note).toMatchObject({ replyId: noteId, text: 'see you *there*\n> not a quote' });
    const expected = expectedReply(misskey, noteId);
    expect({ visibility: note!.visibility, visibleUserIds: [...note!.visibleUserIds].sort(), cw: note!.cw }).toEqual({ ...expected, visibleUserIds: [...expected.visibleUserIds].sort() });
    expect(notices(event)[0]).toBe(`↩️ Answered by ${ACTOR} · ${misskey.url}/notes/${note!.id}`);
    // the same event handed out again (a repeated sync): nothing more
    const syncs = matrix.syncRequests().length;
    matrix.resync(reply);
    await eventually(() => expect(matrix.syncRequests().length).toBeGreaterThan(syncs + 1));
    expect(misskey.account.created).toHaveLength(1);
  });

  it('posts nothing for a reply by someone not on the actor list, and audits it', async () => {
    const noteId = await mention(bridge, misskey, 'mstranger', 'followers');
    const event = await card(noteId);
    replyTo(event, STRANGER, 'hi');
    await eventually(async () => expect(await bridge.store.audit.list(5)).toHaveLength(1));
    expect((await bridge.store.audit.list(1))[0]).toMatchObject({ platform: 'matrix', actor: STRANGER, action: 'reply', outcome: 'refused' });
    expect(misskey.account.created).toEqual([]);
    expect(notices(event)).toEqual([]);
  });

  it('reacts with a reaction of the sink’s list, with or without the variation selector', async () => {
    const noteId = await mention(bridge, misskey, 'mreact', 'home');
    const event = await card(noteId);
    matrix.react(ROOM, ACTOR, event.eventId, '❤');
    await eventually(() => expect(notices(event)).toHaveLength(1));
    expect(misskey.account.reactions).toEqual([{ noteId, reaction: '❤️' }]);
    expect(notices(event)[0]).toBe(`❤️ reacted by ${ACTOR}`);
  });
});

describe('acting from Matrix with a token without write:reactions', () => {
  beforeEach(() => setUp(['write:notes']));

  it('says why in a notice on the card and audits it as failed', async () => {
    const noteId = await mention(bridge, misskey, 'mperm', 'public');
    const event = await card(noteId);
    matrix.react(ROOM, ACTOR, event.eventId, '👍');
    await eventually(() => expect(notices(event)).toHaveLength(1));
    expect(notices(event)[0]).toMatch(/^⚠️ Reaction not added: the account token lacks the permission for this — Misskey: .*PERMISSION_DENIED/);
    expect((await bridge.store.audit.list(1))[0]).toMatchObject({ platform: 'matrix', action: 'react', outcome: 'failed' });
  });
});
