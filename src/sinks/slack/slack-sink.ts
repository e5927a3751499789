import type { Logger } from '../../observe/logger';
import type { Delivery, Sink, SinkDeps, SinkHealth, Verdict } from '../../deliver/sink';
import { accountBlock, actionsBlock } from './actions';
import { renderMessages } from './blocks';
import type { SlackSinkConfig } from './config';
import { isImageFetchFailure } from './errors';
import { MAX_BATCH, MAX_BLOCKS, REQUEST_TIMEOUT_MS } from './limits';
import type { SlackTransport } from './transport';
import { webApiTransport } from './web-api';
import { webhookTransport } from './webhook';

export interface SlackSinkOptions {
  /** per request; tests shorten it */
  timeoutMs?: number;
}

/** The Slack sink: Block Kit messages through the Web API (bot token) or an incoming webhook. */
export function createSlackSink(name: string, config: SlackSinkConfig, deps: SinkDeps, options: SlackSinkOptions = {}): Sink {
  const log = deps.logger.child({ sink: name, type: 'slack' });
  const timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS;
  const transport = chooseTransport(name, config, log, timeoutMs);
  const render = (delivery: Delivery, inlineImages = true) => {
    const content = renderMessages(delivery.messages, { allowMentions: config.allowMentions, inlineImages });
    // a card's buttons come last (in place of the last block when all 50 are used)
    const actions = delivery.actions ? actionsBlock(delivery.actions) : delivery.account ? accountBlock(delivery.account) : undefined;
    if (actions) content.blocks.splice(Math.min(content.blocks.length, MAX_BLOCKS - 1), 1, actions);
    return content;
  };
  /** why the sink cannot work, until a send succeeds again */
  let broken: string | undefined;

  function settle(verdict: Verdict, key: string): Verdict {
    if (verdict.kind === 'delivered') {
      if (broken) log.info('Slack sink works again');
      broken = undefined;
    } else if (verdict.kind === 'failed' && verdict.sinkBroken) {
      broken = verdict.reason;
      log.error({ key }, verdict.reason);
    } else if (verdict.kind === 'failed') {
      log.error({ key }, `message not delivered: ${verdict.reason}`);
    } else {
      log.warn({ key, afterMs: verdict.afterMs }, `Slack send will be retried: ${verdict.reason}`);
    }
    return verdict;
  }

  return {
    name,
    type: 'slack',
    platform: 'slack',
    lane: transport.lane,
    maxBatch: MAX_BATCH,
    start: () => transport.start(),
    health: (): SinkHealth => (broken ? { ok: false, reason: broken } : { ok: true }),
    build: (delivery) => transport.body(render(delivery)),
    async send(delivery) {
      const content = render(delivery);
      if (content.cut.length) log.warn({ key: delivery.key, cut: content.cut }, 'Slack message shortened to fit Slack’s limits');
      const conversation = { thread: delivery.thread, edit: delivery.edit };
      let verdict = await transport.post(content, conversation);
      if (isImageFetchFailure(verdict)) {
        // nothing was posted: the same message with its images as links instead
        log.warn({ key: delivery.key }, 'Slack could not fetch an image of the message: sending it with images as links');
        verdict = await transport.post(render(delivery, false), conversation);
      }
      return settle(verdict, delivery.key);
    },
    close: () => transport.close(),
  };
}

function chooseTransport(name: string, config: SlackSinkConfig, log: Logger, timeoutMs: number): SlackTransport {
  const { webhookUrl, token, channel } = config;
  if (webhookUrl !== undefined) return webhookTransport(name, { ...config, webhookUrl }, timeoutMs);
  if (token === undefined || channel === undefined) throw new Error(`Slack sink ${name}: set token + channel, or webhookUrl`);
  return webApiTransport(name, { ...config, token, channel }, log, { timeoutMs });
}
