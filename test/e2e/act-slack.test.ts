/**
 * Acting from Slack end to end: Reply opens a form with the click's trigger (the fake refuses a
 * trigger older than 3 s or used twice); the form's submission (which names no channel: the card's
 * place travels in private_metadata) posts exactly one note at the fake Misskey with the parent's
 * visibility, and a line in the card's thread says who answered, with a link.
 */
import { eventually, type TestBridge } from '../helpers/bridge';
import { actingYaml, expectedReply, mention, startActing, VISIBILITIES } from '../helpers/acting';
import { slackForm, slackHeaders } from '../helpers/interactions';
import { startSlackFake, type OpenedView, type PostedMessage, type SlackFake } from '../fakes/slack-fake';
import { startMisskeyFake, type MisskeyFake } from '../fakes/misskey-fake';

const ACTOR = 'U0ACTOR001';
const STRANGER = 'U0STRANGER1';
const SIGNING_SECRET = 'slack-signing-secret-for-tests';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

let slack: SlackFake;
let misskey: MisskeyFake;
let bridge: TestBridge;
let endpoint: string;

async function setUp(permissions?: string[]): Promise<void> {
  slack = await startSlackFake();
  misskey = await startMisskeyFake({ accountPermissions: permissions });
  cleanups.push(() => slack.close(), () => misskey.close());
  const sink = `{ type: slack, token: xoxb-fake-bot-token, channel: C0ALERTS01, apiUrl: "${slack.apiUrl}", actors: ["${ACTOR}"], signingSecret: "${SIGNING_SECRET}", teamId: T000, reactions: ["👍", ":party:"] }`;
  bridge = await startActing(actingYaml(misskey, sink), cleanups);
  endpoint = `${bridge.url}/interactions/slack/chat`;
}

const card = (noteId: string) =>
  eventually(() => {
    const found = slack.messages.find((m) => JSON.stringify(m.blocks ?? []).includes(noteId));
    expect(found).toBeDefined();
    return found!;
  });

const post = (payload: unknown, headers?: Record<string, string>) => {
  const body = slackForm(payload);
  return fetch(endpoint, { method: 'POST', headers: headers ?? slackHeaders(SIGNING_SECRET, body), body });
};

/** the click on Reply, and the form it opened */
async function openForm(message: PostedMessage, noteId: string): Promise<OpenedView> {
  const before = slack.views.length;
  expect((await post(slack.interaction(message.ts!, `mkb:reply:alice:${noteId}`, { id: ACTOR }))).status).toBe(200);
  // views.open succeeds only within the trigger's 3 s, once
  await eventually(() => expect(slack.views).toHaveLength(before + 1));
  return slack.views.at(-1)!;
}

const typed = (text: string, keepCw = true) => ({
  'mkb-text': { 'mkb-text': { type: 'plain_text_input', value: text } },
  'mkb-cw': { 'mkb-cw': { type: 'checkboxes', selected_options: keepCw ? [{ value: 'keep' }] : [] } },
});

const threadLines = (message: PostedMessage) => slack.messages.filter((m) => m.thread_ts === message.ts).map((m) => m.text ?? '');

describe('acting from Slack', () => {
  beforeEach(() => setUp());

  it.each(VISIBILITIES)('replies once to a %s note through the form, never wider', async (visibility) => {
    const noteId = await mention(bridge, misskey, `s${visibility}`, visibility);
    const message = await card(noteId);
    const form = await openForm(message, noteId);
    expect(JSON.parse(form.view.private_metadata as string)).toMatchObject({ channel: 'C0ALERTS01', ts: message.ts });
    const submission = slack.viewSubmission(form, { id: ACTOR }, typed('on my way <3'));
    const answer = await post(submission);
    expect(answer.status).toBe(200);
    expect(await answer.text()).toBe('');
    await eventually(() => expect(threadLines(message)).toHaveLength(1));
    expect(misskey.account.created).toHaveLength(1);
    const [reply] = misskey.account.created;
    expect(reply).toMatchObject({ replyId: noteId, text: 'on my way <3' });
    const expected = expectedReply(misskey, noteId);
    expect({ visibility: reply!.visibility, visibleUserIds: [...reply!.visibleUserIds].sort(), cw: reply!.cw }).toEqual({ ...expected, visibleUserIds: [...expected.visibleUserIds].sort() });
    expect(threadLines(message)[0]).toBe(`↩️ Answered by <@${ACTOR}> · <${misskey.url}/notes/${reply!.id}|the reply>`);
    // a retried submission (same view) is a replay: nothing more
    expect((await post(submission)).status).toBe(401);
    expect(misskey.account.created).toHaveLength(1);
  });

  it('drops the CW when the box is unticked', async () => {
    const noteId = await mention(bridge, misskey, 'scw', 'specified');
    const form = await openForm(await card(noteId), noteId);
    await post(slack.viewSubmission(form, { id: ACTOR }, typed('no cw', false)));
    await eventually(() => expect(misskey.account.created).toHaveLength(1));
    expect(misskey.account.created[0]!.cw).toBeNull();
  });

  it('posts nothing for unsigned, stale, tampered and non-actor submissions', async () => {
    const noteId = await mention(bridge, misskey, 'ssafe', 'home');
    const form = await openForm(await card(noteId), noteId);
    const body = slackForm(slack.viewSubmission(form, { id: ACTOR }, typed('hello')));
    const old = String(Math.floor(Date.now() / 1000) - 301);
    expect((await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body })).status).toBe(401);
    expect((await fetch(endpoint, { method: 'POST', headers: slackHeaders(SIGNING_SECRET, body, old), body })).status).toBe(401);
    expect((await fetch(endpoint, { method: 'POST', headers: slackHeaders(SIGNING_SECRET, body), body: body.replace('hello', 'HELLO') })).status).toBe(401);
    expect((await post(slack.viewSubmission(form, { id: STRANGER }, typed('hi')))).status).toBe(200);
    await eventually(async () => expect(await bridge.store.audit.list(5)).toHaveLength(1));
    expect((await bridge.store.audit.list(1))[0]).toMatchObject({ platform: 'slack', actor: STRANGER, action: 'reply', outcome: 'refused' });
    expect(misskey.account.created).toEqual([]);
  });

  it('refuses a submission from another workspace or with another channel in its form', async () => {
    const noteId = await mention(bridge, misskey, 'selsewhere', 'public');
    const form = await openForm(await card(noteId), noteId);
    const submission = slack.viewSubmission(form, { id: ACTOR }, typed('hi'));
    await post({ ...submission, team: { id: 'T0OTHER' } });
    const view = submission.view as Record<string, unknown>;
    await post({ ...submission, view: { ...view, id: 'V0OTHER', private_metadata: JSON.stringify({ channel: 'C0OTHER', ts: '1.2' }) } });
    await eventually(async () => expect(await bridge.store.audit.list(5)).toHaveLength(2));
    expect((await bridge.store.audit.list(5)).map((e) => e.outcome)).toEqual(['refused', 'refused']);
    expect(misskey.account.created).toEqual([]);
  });

  it('refuses a non-actor’s click privately and opens no form', async () => {
    const noteId = await mention(bridge, misskey, 'sstranger', 'public');
    const message = await card(noteId);
    await post(slack.interaction(message.ts!, `mkb:reply:alice:${noteId}`, { id: STRANGER }));
    await eventually(() => expect(slack.responses).toHaveLength(1));
    expect(slack.responses[0]!.body).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('not allowed') });
    expect(slack.views).toEqual([]);
  });

  it('reacts with the sink’s own reactions and says so on the card', async () => {
    const noteId = await mention(bridge, misskey, 'sreact', 'public');
    const message = await card(noteId);
    await post(slack.interaction(message.ts!, `mkb:react:alice:${noteId}:1`, { id: ACTOR }));
    await eventually(() => expect(JSON.stringify(message.blocks)).toContain(`:party: reacted by <@${ACTOR}>`));
    expect(misskey.account.reactions).toEqual([{ noteId, reaction: ':party:' }]);
  });
});

describe('acting from Slack with a token without write:reactions', () => {
  beforeEach(() => setUp(['write:notes']));

  it('shows the error on the card and audits it as failed', async () => {
    const noteId = await mention(bridge, misskey, 'sperm', 'public');
    const message = await card(noteId);
    await post(slack.interaction(message.ts!, `mkb:react:alice:${noteId}:0`, { id: ACTOR }));
    await eventually(() => expect(JSON.stringify(message.blocks)).toContain('Reaction not added: the account token lacks the permission for this'));
    const [entry] = await bridge.store.audit.list(1);
    expect(entry).toMatchObject({ platform: 'slack', action: 'react', outcome: 'failed', detail: expect.stringContaining('PERMISSION_DENIED') });
    expect(misskey.account.reactions).toEqual([]);
  });
});
