import { startMatrixFake, type MatrixFake, type MatrixFakeOptions } from '../fakes/matrix-fake';

const TOKEN = 'bot-access-token';
const ROOM = '!room:example.org';
const V3 = '/_matrix/client/v3';
const sendPath = (txnId: string, room = ROOM): string => `${V3}/rooms/${encodeURIComponent(room)}/send/m.room.message/${txnId}`;
const NOTICE = { msgtype: 'm.notice', body: 'hi', format: 'org.matrix.custom.html', formatted_body: '<p>hi</p>', 'm.mentions': {} };

let fake: MatrixFake;

async function start(options: MatrixFakeOptions = {}): Promise<MatrixFake> {
  fake = await startMatrixFake({ rooms: [{ id: ROOM, aliases: ['#room:example.org'], members: ['@bot:example.org'] }], ...options });
  return fake;
}

afterEach(async () => {
  await fake?.close();
});

async function call(
  method: string,
  path: string,
  options: { token?: string | null; body?: unknown; raw?: string } = {},
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const token = options.token === undefined ? TOKEN : options.token;
  const response = await fetch(fake.url + path, {
    method,
    headers: token === null ? {} : { Authorization: `Bearer ${token}` },
    body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
  });
  expect(response.headers.get('content-type')).toBe('application/json');
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, headers: response.headers };
}

describe('matrix fake: auth and routes', () => {
  test('versions needs no token; client calls do', async () => {
    await start();
    expect((await call('GET', '/_matrix/client/versions', { token: null })).body.versions).toContain('v1.12');
    expect(await call('GET', `${V3}/account/whoami`, { token: null })).toMatchObject({ status: 401, body: { errcode: 'M_MISSING_TOKEN' } });
    expect(await call('GET', `${V3}/account/whoami`, { token: 'nope' })).toMatchObject({
      status: 401,
      body: { errcode: 'M_UNKNOWN_TOKEN', soft_logout: false },
    });
    expect(await call('GET', `${V3}/account/whoami?access_token=${TOKEN}`, { token: null })).toMatchObject({
      status: 200,
      body: { user_id: '@bot:example.org', device_id: 'BRIDGEDEVICE', is_guest: false },
    });
  });

  test('unknown routes are 404 and wrong methods 405, both M_UNRECOGNIZED', async () => {
    await start();
    expect(await call('GET', `${V3}/nothing/here`)).toMatchObject({ status: 404, body: { errcode: 'M_UNRECOGNIZED' } });
    expect(await call('POST', `${V3}/account/whoami`)).toMatchObject({ status: 405, body: { errcode: 'M_UNRECOGNIZED' } });
    expect(await call('GET', sendPath('t1'))).toMatchObject({ status: 405 });
  });

  test('directory, joined_rooms and state of encryption', async () => {
    await start();
    fake.addRoom({ id: '!secret:example.org', encrypted: true, members: ['@bot:example.org'] });
    fake.addRoom({ id: '!other:example.org' });
    expect(await call('GET', `${V3}/directory/room/${encodeURIComponent('#room:example.org')}`)).toMatchObject({
      status: 200,
      body: { room_id: ROOM, servers: ['example.org'] },
    });
    expect(await call('GET', `${V3}/directory/room/%23missing%3Aexample.org`)).toMatchObject({ status: 404, body: { errcode: 'M_NOT_FOUND' } });
    expect((await call('GET', `${V3}/joined_rooms`)).body).toEqual({ joined_rooms: [ROOM, '!secret:example.org'] });
    const state = (room: string, slash = '/'): string => `${V3}/rooms/${encodeURIComponent(room)}/state/m.room.encryption${slash}`;
    expect(await call('GET', state(ROOM))).toMatchObject({ status: 404, body: { errcode: 'M_NOT_FOUND' } });
    expect(await call('GET', state('!secret:example.org'))).toMatchObject({ status: 200, body: { algorithm: 'm.megolm.v1.aes-sha2' } });
    expect(await call('GET', state('!secret:example.org', ''))).toMatchObject({ status: 200 });
    expect(await call('GET', state('!other:example.org'))).toMatchObject({ status: 403, body: { errcode: 'M_FORBIDDEN' } });
  });

  test('join: via recorded, idempotent, invite-only, banned, unknown, not JSON', async () => {
    await start();
    fake.addRoom({ id: '!open:example.org', aliases: ['#open:example.org'] });
    fake.addRoom({ id: '!closed:example.org', inviteOnly: true });
    fake.addRoom({ id: '!invited:example.org', inviteOnly: true, invited: ['@bot:example.org'] });
    fake.addRoom({ id: '!banned:example.org', banned: ['@bot:example.org'] });
    const join = (target: string, query = '', raw = '{}') => call('POST', `${V3}/join/${encodeURIComponent(target)}${query}`, { raw });
    expect(await join('#open:example.org', '?via=example.org&server_name=example.org')).toMatchObject({ status: 200, body: { room_id: '!open:example.org' } });
    expect(fake.joins[0]).toEqual({ target: '#open:example.org', via: ['example.org'], serverName: ['example.org'] });
    expect(await join('!open:example.org')).toMatchObject({ status: 200 });
    expect(await join('!closed:example.org')).toMatchObject({ status: 403, body: { errcode: 'M_FORBIDDEN', error: 'You are not invited to this room.' } });
    expect(await join('!invited:example.org', '', '')).toMatchObject({ status: 200 });
    expect(await join('!banned:example.org')).toMatchObject({ status: 403, body: { error: 'You are banned from this room' } });
    expect(await join('!nowhere:example.org')).toMatchObject({ status: 404, body: { errcode: 'M_NOT_FOUND' } });
    expect(await join('!open:example.org', '', 'not json')).toMatchObject({ status: 400, body: { errcode: 'M_NOT_JSON' } });
  });
});

describe('matrix fake: send', () => {
  test('validates the content like a homeserver', async () => {
    await start();
    expect(await call('PUT', sendPath('a'), { raw: '{nope' })).toMatchObject({ status: 400, body: { errcode: 'M_NOT_JSON' } });
    expect(await call('PUT', sendPath('b'), { body: [1] })).toMatchObject({ status: 400, body: { errcode: 'M_BAD_JSON' } });
    expect(await call('PUT', sendPath('c'), { body: { msgtype: 'm.notice' } })).toMatchObject({ status: 400, body: { errcode: 'M_BAD_JSON' } });
    expect(await call('PUT', sendPath('d'), { body: { ...NOTICE, weight: 1.5 } })).toMatchObject({ status: 400, body: { errcode: 'M_BAD_JSON' } });
    expect(await call('PUT', sendPath('e'), { body: { ...NOTICE, 'm.mentions': { room: 'yes' } } })).toMatchObject({ status: 400 });
    expect(await call('PUT', sendPath('f', '!other:example.org'), { body: NOTICE })).toMatchObject({
      status: 403,
      body: { errcode: 'M_FORBIDDEN', error: 'User @bot:example.org not in room !other:example.org' },
    });
    const big = { ...NOTICE, body: 'x'.repeat(65_536 - 600) };
    expect(await call('PUT', sendPath('g'), { body: big })).toMatchObject({ status: 413, body: { errcode: 'M_TOO_LARGE' } });
    expect(fake.eventCount()).toBe(0);
    expect(fake.sendRequests()).toBe(7);
  });

  test('strict HTML check, unless turned off', async () => {
    await start();
    const evil = { ...NOTICE, formatted_body: '<p>hi<script>x</script>' };
    expect(await call('PUT', sendPath('a'), { body: evil })).toMatchObject({ status: 400, body: { errcode: 'M_BAD_JSON', error: expect.stringMatching(/<script> is not allowed/) } });
    await fake.close();
    await start({ strictHtml: false });
    expect(await call('PUT', sendPath('a'), { body: evil })).toMatchObject({ status: 200 });
  });

  test('replays a successful transaction, never a failed one', async () => {
    await start();
    const first = await call('PUT', sendPath('txn-1'), { body: NOTICE });
    const again = await call('PUT', sendPath('txn-1'), { body: { ...NOTICE, body: 'changed' } });
    expect(again.body.event_id).toBe(first.body.event_id);
    expect(fake.timeline(ROOM).map((e) => e.content.body)).toEqual(['hi']);
    await call('PUT', sendPath('txn-2'), { body: NOTICE });
    expect(fake.timeline(ROOM)).toHaveLength(2);

    fake.room(ROOM).members.delete('@bot:example.org');
    expect((await call('PUT', sendPath('txn-3'), { body: NOTICE })).status).toBe(403);
    fake.room(ROOM).members.add('@bot:example.org');
    expect((await call('PUT', sendPath('txn-3'), { body: NOTICE })).status).toBe(200);
    expect(fake.timeline(ROOM).map((e) => e.txnId)).toEqual(['txn-1', 'txn-2', 'txn-3']);
    expect(fake.sendRequests()).toBe(5);
    expect(fake.eventCount()).toBe(3);
  });

  test('the synapse preset: a burst of 10, then 429 with Retry-After and retry_after_ms; time scale speeds refill', async () => {
    await start({ rateLimit: 'synapse', timeScale: 20 });
    for (let i = 0; i < 10; i++) expect((await call('PUT', sendPath(`b${i}`), { body: NOTICE })).status).toBe(200);
    const limited = await call('PUT', sendPath('b10'), { body: NOTICE });
    expect(limited).toMatchObject({ status: 429, body: { errcode: 'M_LIMIT_EXCEEDED', error: 'Too Many Requests' } });
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(limited.body.retry_after_ms).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, (limited.body.retry_after_ms as number) + 5));
    expect((await call('PUT', sendPath('b10'), { body: NOTICE })).status).toBe(200);
  });
});

describe('matrix fake: faults', () => {
  test('injected errors, resets, lost answers and latency', async () => {
    await start();
    fake.inject('send', { kind: 'error', status: 503, errcode: 'M_UNKNOWN', error: 'down' }, 2);
    expect((await call('PUT', sendPath('t'), { body: NOTICE })).status).toBe(503);
    expect((await call('PUT', sendPath('t'), { body: NOTICE })).status).toBe(503);

    fake.inject('*', { kind: 'reset' });
    await expect(call('GET', `${V3}/account/whoami`)).rejects.toThrow();

    fake.inject('send', { kind: 'drop-after-answer' });
    await expect(call('PUT', sendPath('t'), { body: NOTICE })).rejects.toThrow();
    expect(fake.timeline(ROOM)).toHaveLength(1);
    const replay = await call('PUT', sendPath('t'), { body: NOTICE });
    expect(replay.body.event_id).toBe(fake.timeline(ROOM)[0]!.eventId);

    fake.inject('whoami', { kind: 'latency', ms: 150 });
    const before = Date.now();
    expect((await call('GET', `${V3}/account/whoami`)).status).toBe(200);
    expect(Date.now() - before).toBeGreaterThanOrEqual(140);
  });

  test('media upload', async () => {
    await start({ maxUploadBytes: 1000 });
    const upload = (type: string, size: number) =>
      fetch(`${fake.url}/_matrix/media/v3/upload?filename=a.png`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': type },
        body: Buffer.alloc(size),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));
    expect(await upload('image/png', 10)).toMatchObject({ status: 200, body: { content_uri: expect.stringMatching(/^mxc:\/\/example\.org\//) } });
    expect(await upload('application/x-sh', 10)).toMatchObject({ status: 403, body: { errcode: 'M_FORBIDDEN' } });
    expect(await upload('image/png', 2000)).toMatchObject({ status: 413, body: { errcode: 'M_TOO_LARGE' } });
  });
});
