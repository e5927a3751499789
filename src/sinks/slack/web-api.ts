import { ErrorCode, LogLevel, WebClient, type ChatPostMessageArguments, type Logger as SlackLogger } from '@slack/web-api';
import type { Logger } from '../../observe/logger';
import { delivered, failed, type Delivery, type Verdict } from '../../deliver/sink';
import type { MessageRef } from '../../store/messages';
import type { SlackContent } from './blocks';
import type { SlackSinkConfig } from './config';
import { blockErrors, verdictForWebApiError, type PlatformData, type SlackContext } from './errors';
import { DEFAULT_API_URL, NAME_MAX } from './limits';
import { truncatePlain } from './split';
import type { SlackTransport } from './transport';

const CHANNEL_PAGE_SIZE = 200;
/** start-up only: conversations.list is a tier-2 method (~20/min), big workspaces page into its limit */
const START_RATE_LIMIT_WAITS = 3;
const START_RATE_LIMIT_MAX_WAIT_S = 30;
/** chat.update refusals after which the message is posted anew instead (platforms.md §2) */
const EDIT_IMPOSSIBLE = new Set(['message_not_found', 'cant_update_message', 'edit_window_closed', 'channel_not_found']);
/** a thread_ts Slack does not know: the message is posted without it */
const THREAD_UNKNOWN = new Set(['thread_not_found', 'invalid_thread_ts']);

export interface WebApiOptions {
  timeoutMs: number;
}

type BotConfig = SlackSinkConfig & { token: string; channel: string };

/** Posts with `chat.postMessage` (bot token); the library's own retries and queue waits are off. */
export function webApiTransport(name: string, config: BotConfig, log: Logger, options: WebApiOptions): SlackTransport {
  const client = new WebClient(config.token, {
    slackApiUrl: config.apiUrl ?? DEFAULT_API_URL,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: options.timeoutMs,
    logger: quietLogger(log),
  });
  const ctx: SlackContext = { sink: name, channel: config.channel };
  let channelId = config.channel.startsWith('#') ? undefined : config.channel;
  /** false once Slack said the token lacks chat:write.customize */
  let customize = true;

  async function channel(): Promise<string> {
    channelId ??= await resolveChannel(client, config.channel, ctx, log);
    return channelId;
  }

  function args(content: SlackContent, channel: string, withOverrides: boolean): ChatPostMessageArguments {
    const single = content.author;
    const username = config.username ?? single?.name;
    const iconUrl = config.iconUrl ?? single?.iconUrl;
    return {
      channel,
      text: content.text,
      blocks: content.blocks,
      unfurl_links: config.unfurl,
      unfurl_media: config.unfurl && !content.sensitive,
      ...(withOverrides && username ? { username: truncatePlain(username, NAME_MAX).text } : {}),
      ...(withOverrides && iconUrl ? { icon_url: iconUrl } : {}),
    } as ChatPostMessageArguments;
  }

  async function post(content: SlackContent, conversation: Pick<Delivery, 'thread' | 'edit'> = {}): Promise<Verdict> {
    if (conversation.edit) {
      const edited = await update(content, conversation.edit);
      if (edited) return edited;
      conversation = { thread: conversation.thread };
    }
    let sent: ChatPostMessageArguments | undefined;
    const threadTs = conversation.thread ? (conversation.thread.thread ?? conversation.thread.id) : undefined;
    try {
      sent = { ...args(content, await channel(), customize), ...(threadTs ? { thread_ts: threadTs } : {}) } as ChatPostMessageArguments;
      return answered(await client.chat.postMessage(sent), threadTs);
    } catch (error) {
      if (sent && lacksCustomize(error, sent)) {
        customize = false;
        log.warn('the Slack token lacks chat:write.customize: posting under the app’s own name and icon from now on (add the scope and reinstall the app to show authors)');
        return post(content, conversation);
      }
      if (threadTs && THREAD_UNKNOWN.has(platformData(error)?.error ?? '')) {
        log.warn({ threadTs }, 'Slack does not know the thread of the message this one answers: posting it in the channel');
        return post(content, {});
      }
      if (error instanceof ChannelSetupError) return failed(error.message, true);
      const verdict = verdictForWebApiError(error, ctx);
      const details = platformData(error);
      if (details && blockErrors(details).length) log.error({ errors: blockErrors(details) }, `Slack rejected the blocks (${details.error})`);
      return verdict;
    }
  }

  /** chat.update of an earlier message; undefined when it cannot be edited (post anew instead) */
  async function update(content: SlackContent, edit: MessageRef): Promise<Verdict | undefined> {
    try {
      const result = await client.chat.update({ channel: edit.channel, ts: edit.id, text: content.text, blocks: content.blocks });
      return answered({ ...result, ts: edit.id, channel: edit.channel }, edit.thread);
    } catch (error) {
      const code = platformData(error)?.error;
      if (code !== undefined && EDIT_IMPOSSIBLE.has(code)) {
        log.warn({ ts: edit.id, error: code }, 'Slack cannot edit the earlier message: posting a new one');
        return undefined;
      }
      return verdictForWebApiError(error, ctx);
    }
  }

  function answered(
    result: { ts?: string; channel?: string; warnings?: unknown; response_metadata?: { warnings?: string[] } },
    threadTs?: string,
  ): Verdict {
    const warnings = [...asStrings(result.warnings), ...asStrings(result.response_metadata?.warnings)];
    if (warnings.length) log.warn({ warnings }, 'Slack accepted the message with warnings');
    const where = result.channel ?? channelId;
    const message: MessageRef | undefined =
      result.ts && where ? { platform: 'slack', id: result.ts, channel: where, ...(threadTs ? { thread: threadTs } : {}) } : undefined;
    return delivered(result.ts, undefined, message);
  }

  return {
    lane: `slack:${config.channel}`,
    async start() {
      try {
        const auth = await client.auth.test();
        ctx.botUser = typeof auth.user === 'string' ? auth.user : undefined;
        await channel();
        log.info({ team: auth.team, bot: auth.user, channel: config.channel, channelId }, 'Slack sink ready');
      } catch (error) {
        throw new Error(`Slack sink ${name}: start-up check failed: ${startFailure(error, ctx, config.apiUrl ?? DEFAULT_API_URL)}`, { cause: error });
      }
    },
    body: (content) => args(content, channelId ?? config.channel, customize),
    post,
    close: async () => undefined,
  };
}

class ChannelSetupError extends Error {}

function startFailure(error: unknown, ctx: SlackContext, apiUrl: string): string {
  if (error instanceof ChannelSetupError) return error.message;
  const verdict = verdictForWebApiError(error, ctx);
  return verdict.kind === 'failed' ? verdict.reason : `cannot reach Slack at ${apiUrl} (${verdict.kind === 'retry' ? verdict.reason : 'no answer'})`;
}

/** `#name` → channel id through conversations.list (every page; public and private channels). */
async function resolveChannel(client: WebClient, channel: string, ctx: SlackContext, log: Logger): Promise<string> {
  const name = channel.slice(1).toLowerCase();
  let cursor: string | undefined;
  let waits = 0;
  for (;;) {
    let page;
    try {
      page = await client.conversations.list({ types: 'public_channel,private_channel', exclude_archived: true, limit: CHANNEL_PAGE_SIZE, cursor });
    } catch (error) {
      const retryAfter = (error as { code?: string; retryAfter?: number }).retryAfter;
      if ((error as { code?: string }).code !== ErrorCode.RateLimitedError || waits >= START_RATE_LIMIT_WAITS || retryAfter === undefined) throw error;
      waits += 1;
      await new Promise((resolve) => setTimeout(resolve, Math.min(retryAfter, START_RATE_LIMIT_MAX_WAIT_S) * 1000));
      continue;
    }
    const found = page.channels?.find((c) => c.name === name || c.name_normalized === name);
    if (found?.id) {
      if (found.is_member === false) {
        log.warn(`the bot is not a member of ${channel}: posting fails with not_in_channel unless the app has chat:write.public; invite it with /invite @${ctx.botUser ?? '<your app>'}`);
      }
      return found.id;
    }
    cursor = page.response_metadata?.next_cursor || undefined;
    if (!cursor) break;
  }
  throw new ChannelSetupError(
    `Slack channel ${channel} was not found or is archived: check sinks.${ctx.sink}.channel; a private channel is listed only once the bot is in it (/invite @${ctx.botUser ?? '<your app>'}); listing needs the scopes channels:read and groups:read, or use the channel id (C…) instead`,
  );
}

/** `missing_scope` caused by `username` / `icon_url`: Slack names chat:write.customize in `needed`, or nothing. */
function lacksCustomize(error: unknown, sent: ChatPostMessageArguments): boolean {
  const data = platformData(error);
  if (data?.error !== 'missing_scope') return false;
  if (!('username' in sent) && !('icon_url' in sent)) return false;
  return data.needed === undefined || String(data.needed).includes('chat:write.customize');
}

function platformData(error: unknown): PlatformData | undefined {
  const coded = error as { code?: string; data?: PlatformData };
  return coded.code === ErrorCode.PlatformError ? coded.data : undefined;
}

function asStrings(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}

/** The library logs through ours at debug level: the sink logs what matters itself. */
function quietLogger(log: Logger): SlackLogger {
  const write = (...parts: unknown[]) => log.debug({ lib: '@slack/web-api' }, parts.map(String).join(' '));
  return {
    debug: write,
    info: write,
    warn: write,
    error: write,
    setLevel: () => undefined,
    getLevel: () => LogLevel.DEBUG,
    setName: () => undefined,
  };
}
