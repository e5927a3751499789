/**
 * A fake Matrix homeserver (Client-Server API subset, platforms.md §6.3) on 127.0.0.1 with a random
 * port. It validates like Synapse (and checks formatted_body against the HTML allowlist unless told
 * not to), so a message it accepts is one a real homeserver and clients accept.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkMatrixHtml } from './matrix-html-allowlist';

export type MatrixRoute = 'versions' | 'whoami' | 'joined_rooms' | 'directory' | 'join' | 'state' | 'send' | 'upload' | 'sync' | 'event';

export interface FakeUser {
  userId: string;
  accessToken: string;
  deviceId: string;
}

export interface FakeRoomSpec {
  /** `!id:server` */
  id: string;
  aliases?: string[];
  encrypted?: boolean;
  /** joined users; the bot is NOT a member unless listed */
  members?: string[];
  /** invite-only room: only invited users may join */
  inviteOnly?: boolean;
  invited?: string[];
  banned?: string[];
  /** what the alias directory answers as `servers` (default: the fake's server name) */
  servers?: string[];
}

export interface FakeRoom {
  id: string;
  aliases: string[];
  encrypted: boolean;
  members: Set<string>;
  inviteOnly: boolean;
  invited: Set<string>;
  banned: Set<string>;
  servers: string[];
  timeline: FakeEvent[];
}

export interface FakeEvent {
  eventId: string;
  roomId: string;
  sender: string;
  type: string;
  content: Record<string, unknown>;
  txnId: string;
  originServerTs: number;
}

export interface RecordedRequest {
  route: MatrixRoute | 'unknown';
  method: string;
  /** the raw (still percent-encoded) path */
  path: string;
  /** decoded path segments */
  segments: string[];
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
  /** the status answered; undefined when the connection was dropped */
  status?: number;
}

export type MatrixFault =
  /** answer this instead of handling the request (never cached as a transaction) */
  | { kind: 'error'; status: number; errcode?: string; error?: string; headers?: Record<string, string>; body?: unknown }
  /** wait, then handle the request normally (also when the client has given up meanwhile) */
  | { kind: 'latency'; ms: number }
  /** drop the connection before handling the request */
  | { kind: 'reset' }
  /** handle the request (the event is created) but drop the connection instead of answering */
  | { kind: 'drop-after-answer' }
  /** handle the request (the event is created), then wait before answering */
  | { kind: 'hold-answer'; ms: number };

export interface RateLimit {
  perSecond: number;
  burst: number;
}

/** Synapse's default `rc_message`. */
export const SYNAPSE_RATE_LIMIT: RateLimit = { perSecond: 0.2, burst: 10 };

export interface MatrixFakeOptions {
  serverName?: string;
  /** default: one bot `@bot:<serverName>` with token `bot-access-token` */
  users?: FakeUser[];
  rooms?: FakeRoomSpec[];
  /** off by default */
  rateLimit?: 'off' | 'synapse' | RateLimit;
  /** how much faster the rate limiter's clock runs (100 → a 5 s wait lasts 50 ms) */
  timeScale?: number;
  /** check formatted_body against the HTML allowlist (400 M_BAD_JSON naming the problem); default true */
  strictHtml?: boolean;
  /** how long successful transactions are replayed; default 60 min */
  transactionTtlMs?: number;
  maxUploadBytes?: number;
  /** the longest a /sync waits for new events, whatever its `timeout` asks; default 200 ms */
  syncMaxWaitMs?: number;
}

export interface MatrixFake {
  url: string;
  serverName: string;
  /** the first user */
  bot: FakeUser;
  rooms: Map<string, FakeRoom>;
  requests: RecordedRequest[];
  addRoom(spec: FakeRoomSpec): FakeRoom;
  /** a room by id or alias */
  room(idOrAlias: string): FakeRoom;
  /** the room's events in order */
  timeline(idOrAlias: string): FakeEvent[];
  /**
   * the room's messages as a client shows them: edits (m.replace) applied to their original, not
   * listed themselves; `thread` is the root of the thread an event is in
   */
  shown(idOrAlias: string): { event: FakeEvent; content: Record<string, unknown>; edits: number; thread?: string }[];
  /** PUT …/send requests received, replays and failures included */
  sendRequests(): number;
  /** events created, over all rooms */
  eventCount(): number;
  /** joins received, with the `via` and `server_name` servers */
  joins: { target: string; via: string[]; serverName: string[] }[];
  inject(route: MatrixRoute | '*', fault: MatrixFault, times?: number): void;
  setRateLimit(limit: 'off' | 'synapse' | RateLimit): void;
  revokeToken(accessToken: string): void;
  /** another user reacts to an event (`m.reaction`, `m.annotation` with this key); the reaction event */
  react(idOrAlias: string, sender: string, eventId: string, key: string): FakeEvent;
  /** another user posts a message (`m.room.message` with this content); the event */
  say(idOrAlias: string, sender: string, content: Record<string, unknown>): FakeEvent;
  /** /sync hands out this event again, as a homeserver may after a lost answer */
  resync(event: FakeEvent): void;
  /** GET /sync requests received */
  syncRequests(): RecordedRequest[];
  close(): Promise<void>;
}

const MAX_EVENT_BYTES = 65_536;
/** what the homeserver adds around the content (room, sender, hashes, signatures…) */
const ENVELOPE_BYTES = 500;
const JSON_HEADERS = { 'Content-Type': 'application/json' };

class HttpError {
  constructor(
    readonly status: number,
    readonly errcode: string,
    readonly error: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {}
}

export async function startMatrixFake(options: MatrixFakeOptions = {}): Promise<MatrixFake> {
  const serverName = options.serverName ?? 'example.org';
  const users = options.users ?? [{ userId: `@bot:${serverName}`, accessToken: 'bot-access-token', deviceId: 'BRIDGEDEVICE' }];
  const tokens = new Map(users.map((u) => [u.accessToken, u]));
  const rooms = new Map<string, FakeRoom>();
  const requests: RecordedRequest[] = [];
  const joins: MatrixFake['joins'] = [];
  const faults: { route: MatrixRoute | '*'; fault: MatrixFault; times: number }[] = [];
  const transactions = new Map<string, { eventId: string; at: number }>();
  const buckets = new Map<string, { tokens: number; at: number }>();
  const strictHtml = options.strictHtml ?? true;
  const transactionTtlMs = options.transactionTtlMs ?? 60 * 60_000;
  const timeScale = options.timeScale ?? 1;
  const maxUploadBytes = options.maxUploadBytes ?? 10 * 1024 * 1024;
  let rateLimit = toRateLimit(options.rateLimit ?? 'off');
  let sends = 0;
  let counter = 0;
  const syncMaxWaitMs = options.syncMaxWaitMs ?? 200;
  /** every event in the order /sync hands them out; a sync token `s<n>` is a position in it */
  const stream: FakeEvent[] = [];
  const waiters = new Set<() => void>();
  const record = (room: FakeRoom, event: FakeEvent): void => {
    room.timeline.push(event);
    publish(event);
  };
  const publish = (event: FakeEvent): void => {
    stream.push(event);
    for (const wake of [...waiters]) wake();
  };
  const newEventId = () => `$${(++counter).toString().padStart(4, '0')}${randomBytes(12).toString('base64url')}`;

  const addRoom = (spec: FakeRoomSpec): FakeRoom => {
    const room: FakeRoom = {
      id: spec.id,
      aliases: spec.aliases ?? [],
      encrypted: spec.encrypted ?? false,
      members: new Set(spec.members ?? []),
      inviteOnly: spec.inviteOnly ?? false,
      invited: new Set(spec.invited ?? []),
      banned: new Set(spec.banned ?? []),
      servers: spec.servers ?? [serverName],
      timeline: [],
    };
    rooms.set(room.id, room);
    return room;
  };
  const findRoom = (idOrAlias: string): FakeRoom | undefined =>
    idOrAlias.startsWith('#') ? [...rooms.values()].find((r) => r.aliases.includes(idOrAlias)) : rooms.get(idOrAlias);
  for (const spec of options.rooms ?? []) addRoom(spec);

  const authenticate = (req: IncomingMessage, query: URLSearchParams): FakeUser => {
    const header = req.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : query.get('access_token');
    if (!token) throw new HttpError(401, 'M_MISSING_TOKEN', 'Missing access token');
    const user = tokens.get(token);
    if (!user) throw new HttpError(401, 'M_UNKNOWN_TOKEN', 'Invalid access token passed.', { soft_logout: false });
    return user;
  };

  const notInRoom = (user: FakeUser, roomId: string, extra = ''): HttpError =>
    new HttpError(403, 'M_FORBIDDEN', `User ${user.userId} not in room ${roomId}${extra}`);

  const takeRateToken = (user: FakeUser): void => {
    if (!rateLimit) return;
    const now = Date.now();
    const ratePerMs = (rateLimit.perSecond * timeScale) / 1000;
    const bucket = buckets.get(user.userId) ?? { tokens: rateLimit.burst, at: now };
    bucket.tokens = Math.min(rateLimit.burst, bucket.tokens + (now - bucket.at) * ratePerMs);
    bucket.at = now;
    buckets.set(user.userId, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return;
    }
    const waitMs = Math.ceil((1 - bucket.tokens) / ratePerMs);
    throw new HttpError(
      429,
      'M_LIMIT_EXCEEDED',
      'Too Many Requests',
      { retry_after_ms: waitMs },
      { 'Retry-After': String(Math.ceil(waitMs / 1000)) },
    );
  };

  const handlers: Record<MatrixRoute, (ctx: RequestContext) => unknown | Promise<unknown>> = {
    versions: () => ({ versions: ['r0.6.1', 'v1.1', 'v1.5', 'v1.10', 'v1.11', 'v1.12'], unstable_features: {} }),
    whoami: ({ user }) => ({ user_id: user.userId, device_id: user.deviceId, is_guest: false }),
    joined_rooms: ({ user }) => ({ joined_rooms: [...rooms.values()].filter((r) => r.members.has(user.userId)).map((r) => r.id) }),
    directory: ({ segments }) => {
      const alias = segments[6] ?? '';
      if (!/^#[^:]+:.+$/.test(alias)) throw new HttpError(400, 'M_INVALID_PARAM', `${alias} is not a room alias`);
      const room = findRoom(alias);
      if (!room) throw new HttpError(404, 'M_NOT_FOUND', `Room alias ${alias} not found`);
      return { room_id: room.id, servers: room.servers };
    },
    join: ({ user, segments, query, body }) => {
      parseJsonObject(body, true);
      const target = segments[5] ?? '';
      joins.push({ target, via: query.getAll('via'), serverName: query.getAll('server_name') });
      const room = findRoom(target);
      if (!room) throw new HttpError(404, 'M_NOT_FOUND', `Can't join remote room because no servers that are in the room have been provided.`);
      if (room.banned.has(user.userId)) throw new HttpError(403, 'M_FORBIDDEN', 'You are banned from this room');
      if (room.inviteOnly && !room.invited.has(user.userId) && !room.members.has(user.userId)) {
        throw new HttpError(403, 'M_FORBIDDEN', 'You are not invited to this room.');
      }
      room.members.add(user.userId);
      room.invited.delete(user.userId);
      return { room_id: room.id };
    },
    state: ({ user, segments }) => {
      const [roomId = '', type = '', stateKey = ''] = [segments[5], segments[7], segments[8]];
      const room = rooms.get(roomId);
      if (!room || !room.members.has(user.userId)) throw notInRoom(user, roomId, ', and room previews are disabled');
      if (type === 'm.room.encryption' && stateKey === '' && room.encrypted) return { algorithm: 'm.megolm.v1.aes-sha2' };
      throw new HttpError(404, 'M_NOT_FOUND', 'Event not found.');
    },
    send: ({ user, segments, body }) => {
      const [roomId = '', type = '', txnId = ''] = [segments[5], segments[7], segments[8]];
      const transactionKey = `${user.userId}|${user.deviceId}|${segments.join('/')}`;
      const previous = transactions.get(transactionKey);
      if (previous && Date.now() - previous.at < transactionTtlMs) return { event_id: previous.eventId };

      const content = parseJsonObject(body, false);
      checkCanonical(content);
      if (type === 'm.room.message') checkMessageContent(content, strictHtml);
      const room = rooms.get(roomId);
      if (!room || !room.members.has(user.userId)) throw notInRoom(user, roomId);
      checkRelation(room, user, content);
      const bytes = Buffer.byteLength(canonicalJson(content), 'utf8') + ENVELOPE_BYTES;
      if (bytes > MAX_EVENT_BYTES) throw new HttpError(413, 'M_TOO_LARGE', `event too large (${bytes} > ${MAX_EVENT_BYTES} bytes)`);
      takeRateToken(user);

      const eventId = newEventId();
      record(room, { eventId, roomId, sender: user.userId, type, content, txnId, originServerTs: Date.now() });
      transactions.set(transactionKey, { eventId, at: Date.now() });
      return { event_id: eventId };
    },
    sync: async ({ user, query }) => {
      const since = query.get('since');
      let from = 0;
      if (since !== null) {
        const match = /^s(\d+)$/.exec(since);
        if (!match || Number(match[1]) > stream.length) throw new HttpError(400, 'M_INVALID_PARAM', `Invalid stream token '${since}'`);
        from = Number(match[1]);
      }
      const filter = parseFilter(query.get('filter'));
      const visible = (event: FakeEvent) =>
        (rooms.get(event.roomId)?.members.has(user.userId) ?? false) &&
        (filter.rooms === undefined || filter.rooms.includes(event.roomId)) &&
        (filter.types === undefined || filter.types.includes(event.type));
      const timeout = Math.min(Number(query.get('timeout') ?? 0) || 0, syncMaxWaitMs);
      // long poll: answer at once when something is new, else wait (at most syncMaxWaitMs)
      if (since !== null && timeout > 0 && !stream.slice(from).some(visible)) {
        await new Promise<void>((resolve) => {
          const wake = () => {
            if (!stream.slice(from).some(visible)) return;
            done();
          };
          const done = () => {
            clearTimeout(timer);
            waiters.delete(wake);
            resolve();
          };
          const timer = setTimeout(done, timeout);
          timer.unref();
          waiters.add(wake);
        });
      }
      const join: Record<string, { timeline: { events: unknown[]; limited: boolean } }> = {};
      // the first sync (no since) gives each room's latest events; later ones what came since
      const events = since === null ? [] : stream.slice(from).filter(visible);
      for (const event of events) {
        (join[event.roomId] ??= { timeline: { events: [], limited: false } }).timeline.events.push(clientEvent(event));
      }
      return { next_batch: `s${stream.length}`, rooms: { join } };
    },
    event: ({ user, segments }) => {
      const [roomId = '', eventId = ''] = [segments[5], segments[7]];
      const room = rooms.get(roomId);
      if (!room || !room.members.has(user.userId)) throw notInRoom(user, roomId);
      const event = room.timeline.find((e) => e.eventId === eventId);
      if (!event) throw new HttpError(404, 'M_NOT_FOUND', 'Could not find event ' + eventId);
      return { ...clientEvent(event), room_id: roomId };
    },
    upload: ({ req, rawBody }) => {
      const type = req.headers['content-type'] ?? '';
      if (rawBody.length > maxUploadBytes) throw new HttpError(413, 'M_TOO_LARGE', 'Upload request body is too large');
      if (!/^(image|video|audio)\/[\w.+-]+$/.test(type)) throw new HttpError(403, 'M_FORBIDDEN', `Content type ${type} is not allowed`);
      return { content_uri: `mxc://${serverName}/${randomBytes(12).toString('hex')}` };
    },
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void handle(req, res, Buffer.concat(chunks)).catch((error: unknown) => {
        if (!res.headersSent && !res.destroyed) answer(res, 500, { errcode: 'M_UNKNOWN', error: String(error) });
      });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse, rawBody: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const segments = url.pathname.split('/').map(decodeSegment);
    const match = matchRoute(segments);
    const record: RecordedRequest = {
      route: match?.route ?? 'unknown',
      method: req.method ?? '',
      path: url.pathname,
      segments,
      query: url.searchParams,
      headers: req.headers,
      body: rawBody.toString('utf8'),
    };
    requests.push(record);
    const respond = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      record.status = status;
      answer(res, status, body, headers);
    };
    if (!match) return respond(404, { errcode: 'M_UNRECOGNIZED', error: 'Unrecognized request' });
    if (req.method !== match.method) return respond(405, { errcode: 'M_UNRECOGNIZED', error: 'Unrecognized request' });
    if (match.route === 'send') sends++;

    let dropAfterAnswer = false;
    const fault = takeFault(match.route);
    if (fault?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'latency') await new Promise((resolve) => setTimeout(resolve, fault.ms).unref());
    if (fault?.kind === 'drop-after-answer') dropAfterAnswer = true;
    if (fault?.kind === 'error') {
      return respond(fault.status, fault.body ?? { errcode: fault.errcode ?? 'M_UNKNOWN', error: fault.error ?? 'Injected error' }, fault.headers);
    }

    let status = 200;
    let body: unknown;
    let headers: Record<string, string> = {};
    try {
      const user = match.route === 'versions' ? users[0]! : authenticate(req, url.searchParams);
      body = await handlers[match.route]({ req, user, segments, query: url.searchParams, body: record.body, rawBody });
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      status = error.status;
      body = { errcode: error.errcode, error: error.error, ...error.extra };
      headers = error.headers;
    }
    if (dropAfterAnswer) {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'hold-answer') await new Promise((resolve) => setTimeout(resolve, fault.ms).unref());
    respond(status, body, headers);
  }

  const takeFault = (route: MatrixRoute): MatrixFault | undefined => {
    const index = faults.findIndex((f) => f.route === route || f.route === '*');
    if (index < 0) return undefined;
    const rule = faults[index]!;
    if (--rule.times <= 0) faults.splice(index, 1);
    return rule.fault;
  };

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  function fromUser(idOrAlias: string, sender: string, type: string, content: Record<string, unknown>): FakeEvent {
    const room = findRoom(idOrAlias);
    if (!room) throw new Error(`no room ${idOrAlias} in the fake`);
    const event: FakeEvent = { eventId: newEventId(), roomId: room.id, sender, type, content, txnId: '', originServerTs: Date.now() };
    record(room, event);
    return event;
  }

  return {
    url: `http://127.0.0.1:${port}`,
    serverName,
    bot: users[0]!,
    rooms,
    requests,
    joins,
    addRoom,
    room: (idOrAlias) => {
      const room = findRoom(idOrAlias);
      if (!room) throw new Error(`no room ${idOrAlias} in the fake`);
      return room;
    },
    timeline: (idOrAlias) => findRoom(idOrAlias)?.timeline ?? [],
    sendRequests: () => sends,
    shown: (idOrAlias) => {
      const events = findRoom(idOrAlias)?.timeline ?? [];
      const relation = (event: FakeEvent) => event.content['m.relates_to'] as { rel_type?: string; event_id?: string } | undefined;
      return events
        .filter((event) => relation(event)?.rel_type !== 'm.replace')
        .map((event) => {
          const edits = events.filter((e) => relation(e)?.rel_type === 'm.replace' && relation(e)?.event_id === event.eventId);
          const latest = edits.at(-1);
          const content = latest ? (latest.content['m.new_content'] as Record<string, unknown>) : event.content;
          const rel = relation(event);
          return { event, content, edits: edits.length, ...(rel?.rel_type === 'm.thread' ? { thread: rel.event_id } : {}) };
        });
    },
    eventCount: () => [...rooms.values()].reduce((n, r) => n + r.timeline.length, 0),
    inject: (route, fault, times = 1) => {
      faults.push({ route, fault, times });
    },
    setRateLimit: (limit) => {
      rateLimit = toRateLimit(limit);
      buckets.clear();
    },
    revokeToken: (accessToken) => {
      tokens.delete(accessToken);
    },
    react: (idOrAlias, sender, eventId, key) => fromUser(idOrAlias, sender, 'm.reaction', { 'm.relates_to': { rel_type: 'm.annotation', event_id: eventId, key } }),
    say: (idOrAlias, sender, content) => fromUser(idOrAlias, sender, 'm.room.message', content),
    resync: (event) => publish(event),
    syncRequests: () => requests.filter((r) => r.route === 'sync'),
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const wake of [...waiters]) wake();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

interface RequestContext {
  req: IncomingMessage;
  user: FakeUser;
  segments: string[];
  query: URLSearchParams;
  body: string;
  rawBody: Buffer;
}

interface RouteMatch {
  route: MatrixRoute;
  method: string;
}

/** segments[0] is '' (the path starts with '/'), so `/_matrix/client/v3/rooms/{id}` puts the id at [5]; all decoded. */
function matchRoute(s: string[]): RouteMatch | undefined {
  const at = (...expected: (string | null)[]): boolean =>
    s.length === expected.length + 1 && expected.every((part, i) => part === null || part === s[i + 1]);
  if (at('_matrix', 'client', 'versions')) return { route: 'versions', method: 'GET' };
  if (at('_matrix', 'media', 'v3', 'upload')) return { route: 'upload', method: 'POST' };
  if (s[1] !== '_matrix' || s[2] !== 'client' || s[3] !== 'v3') return undefined;
  if (at('_matrix', 'client', 'v3', 'account', 'whoami')) return { route: 'whoami', method: 'GET' };
  if (at('_matrix', 'client', 'v3', 'joined_rooms')) return { route: 'joined_rooms', method: 'GET' };
  if (at('_matrix', 'client', 'v3', 'directory', 'room', null)) return { route: 'directory', method: 'GET' };
  if (at('_matrix', 'client', 'v3', 'join', null)) return { route: 'join', method: 'POST' };
  // state/{type} and state/{type}/{stateKey}: the trailing slash is an empty state key
  if (at('_matrix', 'client', 'v3', 'rooms', null, 'state', null) || at('_matrix', 'client', 'v3', 'rooms', null, 'state', null, null)) {
    return { route: 'state', method: 'GET' };
  }
  if (at('_matrix', 'client', 'v3', 'rooms', null, 'send', null, null)) return { route: 'send', method: 'PUT' };
  if (at('_matrix', 'client', 'v3', 'sync')) return { route: 'sync', method: 'GET' };
  if (at('_matrix', 'client', 'v3', 'rooms', null, 'event', null)) return { route: 'event', method: 'GET' };
  return undefined;
}

/** An event as the Client-Server API shows it. */
function clientEvent(event: FakeEvent): Record<string, unknown> {
  return { type: event.type, event_id: event.eventId, sender: event.sender, origin_server_ts: event.originServerTs, content: event.content, unsigned: {} };
}

/** The parts of an inline /sync filter the fake honours: `room.rooms` and `room.timeline.types`. */
function parseFilter(text: string | null): { rooms?: string[]; types?: string[] } {
  if (text === null) return {};
  if (!text.startsWith('{')) throw new HttpError(400, 'M_INVALID_PARAM', 'The fake only knows inline filters');
  let filter: { room?: { rooms?: unknown; timeline?: { types?: unknown } } };
  try {
    filter = JSON.parse(text) as typeof filter;
  } catch {
    throw new HttpError(400, 'M_NOT_JSON', 'Invalid filter JSON');
  }
  const strings = (value: unknown) => (Array.isArray(value) && value.every((v) => typeof v === 'string') ? (value as string[]) : undefined);
  return { rooms: strings(filter.room?.rooms), types: strings(filter.room?.timeline?.types) };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function answer(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  res.writeHead(status, { ...JSON_HEADERS, ...headers });
  res.end(JSON.stringify(body));
}

function toRateLimit(limit: 'off' | 'synapse' | RateLimit): RateLimit | undefined {
  if (limit === 'off') return undefined;
  return limit === 'synapse' ? SYNAPSE_RATE_LIMIT : limit;
}

function parseJsonObject(text: string, allowEmpty: boolean): Record<string, unknown> {
  if (allowEmpty && text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'M_NOT_JSON', 'Content not JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HttpError(400, 'M_BAD_JSON', 'Content must be a JSON object.');
  }
  return value as Record<string, unknown>;
}

/** Events are canonical JSON: integers only, within ±(2^53 − 1). */
function checkCanonical(value: unknown, path = 'content'): void {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    throw new HttpError(400, 'M_BAD_JSON', `${path}: ${value} is not an integer within the canonical JSON range`);
  }
  if (Array.isArray(value)) value.forEach((v, i) => checkCanonical(v, `${path}[${i}]`));
  else if (typeof value === 'object' && value !== null) {
    for (const [key, v] of Object.entries(value)) checkCanonical(v, `${path}.${key}`);
  }
}

function checkMessageContent(content: Record<string, unknown>, strictHtml: boolean): void {
  const bad = (why: string): never => {
    throw new HttpError(400, 'M_BAD_JSON', why);
  };
  if (typeof content.msgtype !== 'string') bad('m.room.message needs a string msgtype');
  if (typeof content.body !== 'string') bad('m.room.message needs a string body');
  if (content.format !== undefined) {
    if (content.format !== 'org.matrix.custom.html') bad(`unknown format ${String(content.format)}`);
    if (typeof content.formatted_body !== 'string') bad('format without a string formatted_body');
    if (strictHtml) {
      const problems = checkMatrixHtml(content.formatted_body as string);
      if (problems.length > 0) bad(`formatted_body is not allowlisted HTML: ${problems.join('; ')}`);
    }
  }
  const mentions = content['m.mentions'];
  if (mentions !== undefined) {
    if (typeof mentions !== 'object' || mentions === null || Array.isArray(mentions)) bad('m.mentions must be an object');
    const { user_ids: userIds, room } = mentions as { user_ids?: unknown; room?: unknown };
    if (userIds !== undefined && !(Array.isArray(userIds) && userIds.every((u) => typeof u === 'string'))) {
      bad('m.mentions.user_ids must be a list of user ids');
    }
    if (room !== undefined && typeof room !== 'boolean') bad('m.mentions.room must be a boolean');
  }
}

/** Sorted keys, no whitespace: what the homeserver signs and measures. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Relations (m.thread, m.replace, m.in_reply_to) must name an event of the room; a thread starts at
 * an event outside any thread and not an edit; only the sender's own events are replaced, with
 * `m.new_content`, and never an edit itself.
 */
function checkRelation(room: FakeRoom, user: FakeUser, content: Record<string, unknown>): void {
  const relation = content['m.relates_to'] as { rel_type?: unknown; event_id?: unknown; 'm.in_reply_to'?: { event_id?: unknown } } | undefined;
  if (relation === undefined) return;
  if (typeof relation !== 'object' || relation === null) throw new HttpError(400, 'M_BAD_JSON', 'm.relates_to must be an object');
  const find = (id: unknown, what: string): FakeEvent => {
    const event = typeof id === 'string' ? room.timeline.find((e) => e.eventId === id) : undefined;
    if (!event) throw new HttpError(400, 'M_BAD_JSON', `${what} ${String(id)} is not an event of ${room.id}`);
    return event;
  };
  const relType = (event: FakeEvent) => (event.content['m.relates_to'] as { rel_type?: string } | undefined)?.rel_type;
  if (relation['m.in_reply_to'] !== undefined) find(relation['m.in_reply_to'].event_id, 'm.in_reply_to event');
  if (relation.rel_type === 'm.thread') {
    const root = find(relation.event_id, 'thread root');
    if (relType(root) !== undefined) throw new HttpError(400, 'M_UNKNOWN', 'Cannot start threads from an event with a relation');
  } else if (relation.rel_type === 'm.replace') {
    const original = find(relation.event_id, 'replaced event');
    if (original.sender !== user.userId) throw new HttpError(400, 'M_BAD_JSON', 'only the sender may replace an event');
    if (relType(original) === 'm.replace') throw new HttpError(400, 'M_BAD_JSON', 'an edit cannot be replaced: replace the original');
    const replacement = content['m.new_content'];
    if (typeof replacement !== 'object' || replacement === null || typeof (replacement as { body?: unknown }).body !== 'string') {
      throw new HttpError(400, 'M_BAD_JSON', 'm.replace needs m.new_content with a body');
    }
  } else if (relation.rel_type !== undefined) {
    find(relation.event_id, 'related event');
  }
}
