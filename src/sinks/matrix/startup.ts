import { MatrixNetworkError, type MatrixApi, type MatrixResponse } from './api';
import type { MatrixSinkConfig } from './config';
import { classifyFailure, describeResponse } from './verdict';

/** Start-up failed; `transient` when trying again later may succeed (network, 5xx, 429). */
export class MatrixStartError extends Error {
  override readonly name = 'MatrixStartError';
  constructor(
    message: string,
    readonly transient: boolean,
  ) {
    super(message);
  }
}

/** Who the bot is and where it posts, once start-up checks passed. */
export interface RoomConnection {
  userId: string;
  deviceId?: string;
  roomId: string;
  /** servers that know the room (from the alias), for joins over federation */
  via: string[];
}

/**
 * platforms.md §3.5: check the token, resolve the alias, make sure the bot is in the room (joining
 * when allowed) and refuse end-to-end encrypted rooms.
 */
export async function connectRoom(api: MatrixApi, config: MatrixSinkConfig, sinkName: string): Promise<RoomConnection> {
  const prefix = `Matrix sink ${sinkName}`;
  const key = `sinks.${sinkName}`;
  const fail = (response: MatrixResponse, step: string, userId?: string): MatrixStartError => {
    const { verdict, broken } = classifyFailure(response, { sinkName, homeserver: api.homeserver, room: config.room, userId });
    const reason = broken ?? (verdict.kind === 'delivered' ? '' : verdict.reason);
    return new MatrixStartError(`${prefix}: ${step}: ${reason}`, verdict.kind === 'retry');
  };
  const call = async (step: string, request: Parameters<MatrixApi['call']>[0]): Promise<MatrixResponse> => {
    try {
      return await api.call(request);
    } catch (error) {
      if (error instanceof MatrixNetworkError) {
        throw new MatrixStartError(`${prefix}: ${step}: cannot reach ${api.homeserver}: ${error.message}`, true);
      }
      throw error;
    }
  };

  const whoami = await call('checking the access token', { method: 'GET', path: ['account', 'whoami'] });
  if (whoami.status !== 200) throw fail(whoami, 'checking the access token');
  const me = objectOf(whoami.body);
  if (typeof me.user_id !== 'string') {
    throw new MatrixStartError(`${prefix}: ${api.homeserver} answered whoami without a user_id: check ${key}.homeserver`, false);
  }
  const userId = me.user_id;
  const deviceId = typeof me.device_id === 'string' ? me.device_id : undefined;

  let roomId = config.room;
  let via: string[] = [];
  if (config.room.startsWith('#')) {
    const step = `resolving the alias ${config.room}`;
    const answer = await call(step, { method: 'GET', path: ['directory', 'room', config.room] });
    if (answer.status === 404 || answer.errcode === 'M_NOT_FOUND') {
      throw new MatrixStartError(
        `${prefix}: room alias ${config.room} does not exist on ${api.homeserver} (${describeResponse(answer)}): check ${key}.room`,
        false,
      );
    }
    if (answer.status !== 200) throw fail(answer, step, userId);
    const resolved = objectOf(answer.body);
    if (typeof resolved.room_id !== 'string') throw new MatrixStartError(`${prefix}: ${step}: no room_id in the answer`, true);
    roomId = resolved.room_id;
    via = Array.isArray(resolved.servers) ? resolved.servers.filter((s): s is string => typeof s === 'string') : [];
  }

  const joined = await call('listing joined rooms', { method: 'GET', path: ['joined_rooms'] });
  if (joined.status !== 200) throw fail(joined, 'listing joined rooms', userId);
  const rooms = objectOf(joined.body).joined_rooms;
  if (!Array.isArray(rooms) || !rooms.includes(roomId)) {
    if (!config.autoJoin) {
      throw new MatrixStartError(
        `${prefix}: ${userId} is not in room ${config.room}: invite the bot and set ${key}.autoJoin: true, or join it manually`,
        false,
      );
    }
    const step = `joining ${config.room}`;
    const answer = await joinRoom(api, roomId, via).catch((error: unknown) => {
      throw error instanceof MatrixNetworkError
        ? new MatrixStartError(`${prefix}: ${step}: cannot reach ${api.homeserver}: ${error.message}`, true)
        : error;
    });
    if (answer.status !== 200) {
      if (answer.errcode === 'M_FORBIDDEN') {
        throw new MatrixStartError(
          `${prefix}: ${userId} cannot join ${config.room} (${describeResponse(answer)}): invite ${userId} to the room, or join it manually`,
          false,
        );
      }
      throw fail(answer, step, userId);
    }
  }

  const step = `checking encryption of ${config.room}`;
  const encryption = await call(step, { method: 'GET', path: ['rooms', roomId, 'state', 'm.room.encryption', ''] });
  if (encryption.status === 200) {
    throw new MatrixStartError(
      `${prefix}: room ${config.room} is end-to-end encrypted; the bridge cannot post there (E2EE is not supported yet): use an unencrypted room`,
      false,
    );
  }
  if (encryption.status !== 404) throw fail(encryption, step, userId);
  return { userId, deviceId, roomId, via };
}

/** `POST /join/{roomId}` with the servers that know the room (`via`, and `server_name` for older homeservers). */
export function joinRoom(api: MatrixApi, roomId: string, via: string[]): Promise<MatrixResponse> {
  return api.call({ method: 'POST', path: ['join', roomId], query: { via, server_name: via }, body: {} });
}

/** The fields of a JSON answer; none when a proxy or another server answered something else. */
function objectOf(body: unknown): Record<string, unknown> {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
}
