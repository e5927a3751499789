/** Acting from chat in tests: a bridge with an account, notes of every visibility at the fake Misskey, their mention cards. */
import { eventually, SECRET, startTestBridge, testConfig, type TestBridge } from './bridge';
import { noteBody, noteJson } from './conversation';
import { readyz } from './e2e';
import type { MisskeyFake } from '../fakes/misskey-fake';
import type { Visibility } from '../fakes/misskey-account-fake';

export const BOB = 'bobid0000001';
export const CAROL = 'carolid00001';
export const VISIBILITIES: Visibility[] = ['public', 'home', 'followers', 'specified'];

export function actingYaml(misskey: MisskeyFake, sink: string): string {
  return `
sources:
  alice: { secret: "${SECRET}", server: "${misskey.url}", account: { token: "${misskey.account.account.token}" } }
sinks:
  chat: ${sink}
routes:
  - name: social
    events: [mention, followed]
    filter: { visibility: [public, home, followers, specified] }
    to: [chat]
`;
}

export async function startActing(config: string, cleanups: (() => Promise<void>)[]): Promise<TestBridge> {
  const bridge = await startTestBridge(testConfig(config));
  cleanups.push(() => bridge.stop(1000));
  await eventually(async () => expect((await readyz(bridge)).status).toBe(200));
  return bridge;
}

/**
 * Bob's note `id` (known to the fake Misskey with this visibility; a specified one is addressed to
 * alice and carol, with a CW) and the webhook's mention of it; returns the note's id.
 */
export async function mention(bridge: TestBridge, misskey: MisskeyFake, id: string, visibility: Visibility, options: { localOnly?: boolean } = {}): Promise<string> {
  const visibleUserIds = visibility === 'specified' ? [misskey.account.account.userId, CAROL] : [];
  const cw = visibility === 'specified' ? 'for two' : null;
  misskey.addNote({ id, userId: BOB, text: `@alice a ${visibility} note`, cw, visibility, visibleUserIds, localOnly: options.localOnly ?? false });
  const note = noteJson(id, `@alice a ${visibility} note`);
  const user = { ...(note.user as Record<string, unknown>), id: BOB, username: 'bob', name: 'Bob' };
  const body = noteBody('mention', { ...note, userId: BOB, user, visibility, visibleUserIds, cw, localOnly: options.localOnly ?? false });
  expect((await bridge.post('alice', body)).status).toBe(204);
  return id;
}

/** What a reply to a note of this visibility must be at Misskey: never seen by more people than its parent. */
export function expectedReply(misskey: MisskeyFake, parentId: string): { visibility: Visibility; visibleUserIds: string[]; cw: string | null } {
  const parent = misskey.account.notes.get(parentId)!;
  const visibleUserIds = parent.visibility === 'specified' ? [...new Set([...parent.visibleUserIds, parent.userId])] : [];
  return { visibility: parent.visibility, visibleUserIds, cw: parent.cw };
}
