import type { Logger } from '../../observe/logger';
import { delivered, failed, retry, type Delivery, type Sink, type SinkDeps, type SinkHealth, type Verdict } from '../../deliver/sink';
import { verdictForNetworkError } from '../http-verdict';
import { MatrixApi, MatrixNetworkError, type MatrixResponse } from './api';
import type { MatrixSinkConfig } from './config';
import { withCardActions, CARD_EXTRA_BYTES } from './actions';
import { ACCOUNT_EXTRA_BYTES, withAccountCard } from './account-card';
import { buildContent, contentBytes, type BuiltContent, type MatrixMessageContent } from './content';
import { MATRIX_CONTENT_BUDGET_BYTES, MATRIX_MAX_BATCH, MATRIX_REQUEST_TIMEOUT_MS } from './limits';
import { connectRoom, joinRoom, MatrixStartError, type RoomConnection } from './startup';
import { transactionId } from './transaction';
import { sentRef, withRelations, type RelatedContent } from './relations';
import { classifyFailure, describeResponse } from './verdict';

export interface MatrixSinkDeps extends SinkDeps {
  /** per request; the platform default unless a test wants less */
  requestTimeoutMs?: number;
}

export function createMatrixSink(name: string, config: MatrixSinkConfig, deps: MatrixSinkDeps): Sink {
  return new MatrixSink(name, config, deps);
}

/** Posts `m.room.message` events to one room through the Client-Server API. */
class MatrixSink implements Sink {
  readonly type = 'matrix';
  readonly platform = 'matrix' as const;
  readonly lane: string;
  readonly maxBatch = MATRIX_MAX_BATCH;

  private readonly api: MatrixApi;
  private readonly log: Logger;
  private connection: RoomConnection | undefined;
  private state: SinkHealth;

  constructor(
    readonly name: string,
    private readonly config: MatrixSinkConfig,
    deps: MatrixSinkDeps,
  ) {
    this.lane = `matrix:${config.room}`;
    this.api = new MatrixApi(
      config.homeserver.replace(/\/+$/, ''),
      config.accessToken,
      deps.requestTimeoutMs ?? MATRIX_REQUEST_TIMEOUT_MS,
    );
    this.log = deps.logger.child({ sink: name, lane: this.lane });
    this.state = { ok: false, reason: `Matrix sink ${name} has not passed its start-up checks yet` };
  }

  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<RoomConnection> {
    let connection: RoomConnection;
    try {
      connection = await connectRoom(this.api, this.config, this.name);
    } catch (error) {
      const reason = error instanceof Error ? this.api.redact(error.message) : String(error);
      this.state = { ok: false, reason };
      this.log.error({ transient: error instanceof MatrixStartError && error.transient }, reason);
      throw error instanceof MatrixStartError ? error : new Error(reason);
    }
    this.connection = connection;
    this.state = { ok: true };
    this.log.info({ userId: connection.userId, roomId: connection.roomId }, 'Matrix sink ready');
    return connection;
  }

  health(): SinkHealth {
    return this.state;
  }

  build(delivery: Delivery): MatrixMessageContent {
    return this.compose(delivery).content;
  }

  async send(delivery: Delivery): Promise<Verdict> {
    if (delivery.messages.length === 0) return failed('nothing to send: the delivery has no message');
    const built = this.compose(delivery);
    for (const t of built.truncations) {
      this.log.warn(
        { key: delivery.key, field: t.field, message: t.message, fromBytes: t.fromBytes, toBytes: t.toBytes },
        `Matrix message truncated: ${t.field} of message ${t.message + 1} cut from ${t.fromBytes} to ${t.toBytes} bytes to fit the event size limit`,
      );
    }
    if (built.bytes > MATRIX_CONTENT_BUDGET_BYTES) {
      return failed(`matrix event content is ${built.bytes} bytes, over the ${MATRIX_CONTENT_BUDGET_BYTES} bytes it may use`);
    }

    const connection = await this.ensureConnected();
    if ('kind' in connection) return connection;
    const txnId = transactionId(this.name, delivery);

    const content = withRelations(built.content, delivery);
    let response = await this.put(connection.roomId, txnId, content);
    if ('kind' in response) return response;
    if (response.errcode === 'M_FORBIDDEN' && this.config.autoJoin) {
      // kicked or never joined: one join, then the same transaction again
      this.log.warn({ key: delivery.key }, `Matrix refused the send (${describeResponse(response)}): joining ${this.config.room} once`);
      const joined = await this.join(connection);
      if (joined) return joined;
      response = await this.put(connection.roomId, txnId, content);
      if ('kind' in response) return response;
    }
    return this.settle(response, delivery, connection.roomId);
  }

  async close(): Promise<void> {
    this.api.close();
  }

  /** Start-up checks (encrypted room, membership) come before any send, also when start failed at boot. */
  private async ensureConnected(): Promise<RoomConnection | Verdict> {
    if (this.connection) return this.connection;
    try {
      return await this.connect();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return error instanceof MatrixStartError && error.transient ? retry(reason) : failed(reason, true);
    }
  }

  /** A card on a sink with moderators (or actors) also says how to act, and names what it is about. */
  private compose(delivery: Delivery): BuiltContent {
    const actions = this.config.moderators && !delivery.edit ? delivery.actions : undefined;
    const account = this.config.actors && !delivery.edit ? delivery.account : undefined;
    const options = { msgtype: this.config.msgtype, allowMentions: this.config.allowMentions };
    if (!actions && !account) return buildContent(delivery.messages, options);
    const built = buildContent(delivery.messages, { ...options, budgetBytes: MATRIX_CONTENT_BUDGET_BYTES - (actions ? CARD_EXTRA_BYTES : ACCOUNT_EXTRA_BYTES) });
    const content = actions ? withCardActions(built.content, actions) : withAccountCard(built.content, account!);
    return { ...built, content, bytes: contentBytes(content) };
  }

  /** The homeserver's answer, or a retry verdict when none came. */
  private async put(roomId: string, txnId: string, content: RelatedContent): Promise<MatrixResponse | Verdict> {
    try {
      return await this.api.call({ method: 'PUT', path: ['rooms', roomId, 'send', 'm.room.message', txnId], body: content });
    } catch (error) {
      if (error instanceof MatrixNetworkError) return verdictForNetworkError(error);
      throw error;
    }
  }

  /** undefined when joined (or already in the room); else the verdict of the failed join */
  private async join(connection: RoomConnection): Promise<Verdict | undefined> {
    let answer: MatrixResponse;
    try {
      answer = await joinRoom(this.api, connection.roomId, connection.via);
    } catch (error) {
      if (error instanceof MatrixNetworkError) return verdictForNetworkError(error);
      throw error;
    }
    if (answer.status === 200) return undefined;
    const who = connection.userId;
    if (answer.errcode === 'M_FORBIDDEN') {
      return this.markBroken(
        failed(`${who} was refused and cannot join ${this.config.room} (${describeResponse(answer)}): invite ${who} to the room`, true),
      );
    }
    return this.classify(answer);
  }

  private settle(response: MatrixResponse, delivery: Delivery, roomId: string): Verdict {
    if (response.status === 200) {
      if (!this.state.ok) this.log.info('Matrix sink healthy again');
      this.state = { ok: true };
      const eventId = (response.body as { event_id?: unknown } | undefined)?.event_id;
      if (typeof eventId !== 'string') return delivered();
      return delivered(eventId, undefined, sentRef(eventId, roomId, delivery));
    }
    const verdict = this.classify(response);
    if (verdict.kind === 'failed' && !verdict.sinkBroken) {
      this.log.warn({ key: delivery.key, status: response.status, errcode: response.errcode }, `Matrix rejected the message: ${verdict.reason}`);
    }
    return verdict;
  }

  private classify(response: MatrixResponse): Verdict {
    const { verdict, broken } = classifyFailure(response, {
      sinkName: this.name,
      homeserver: this.api.homeserver,
      room: this.config.room,
      userId: this.connection?.userId,
    });
    return broken === undefined ? verdict : this.markBroken(verdict);
  }

  private markBroken(verdict: Verdict): Verdict {
    if (verdict.kind === 'failed') {
      this.state = { ok: false, reason: verdict.reason };
      this.log.error(`Matrix sink ${this.name} is broken: ${verdict.reason}`);
    }
    return verdict;
  }
}
