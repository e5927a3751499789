import type { DiscordSinkConfig } from './config';
import { normalizeApiBase, parseWebhookUrl } from './webhook-url';

export const DEFAULT_API_BASE = 'https://discord.com/api';

/** Where a Discord sink posts, resolved from its config. Holds secrets: never log it whole. */
export type DiscordTarget =
  | { mode: 'webhook'; apiBase: string; webhookId: string; webhookToken: string; threadId?: string }
  | { mode: 'bot'; apiBase: string; botToken: string; channelId: string; threadId?: string };

export function resolveTarget(config: DiscordSinkConfig): DiscordTarget {
  const override = config.apiBase === undefined ? undefined : normalizeApiBase(config.apiBase);
  if (config.webhookUrl !== undefined) {
    const parts = parseWebhookUrl(config.webhookUrl);
    if (!parts) throw new Error('webhookUrl is not a Discord webhook URL');
    const threadId = config.threadId ?? parts.threadId;
    return {
      mode: 'webhook',
      apiBase: override ?? parts.apiBase,
      webhookId: parts.id,
      webhookToken: parts.token,
      ...(threadId ? { threadId } : {}),
    };
  }
  if (config.botToken === undefined || config.channelId === undefined) {
    throw new Error('a Discord sink needs webhookUrl, or botToken and channelId');
  }
  return {
    mode: 'bot',
    apiBase: override ?? DEFAULT_API_BASE,
    // a token pasted with its "Bot " prefix would otherwise be sent as "Bot Bot …"
    botToken: config.botToken.replace(/^Bot\s+/i, '').trim(),
    channelId: config.channelId,
    ...(config.threadId ? { threadId: config.threadId } : {}),
  };
}

/** The channel a bot posts into: the thread when one is set. */
export const postChannelId = (target: Extract<DiscordTarget, { mode: 'bot' }>): string => target.threadId ?? target.channelId;

/** Rate limits are per webhook (whatever thread) or per channel: that is the lane. */
export function laneOf(target: DiscordTarget): string {
  return target.mode === 'webhook' ? `discord:webhook:${target.webhookId}` : `discord:channel:${postChannelId(target)}`;
}

/** How to name the destination in messages for the operator (no secrets). */
export function describeTarget(target: DiscordTarget): string {
  if (target.mode === 'webhook') {
    return target.threadId ? `webhook ${target.webhookId} (thread ${target.threadId})` : `webhook ${target.webhookId}`;
  }
  return target.threadId ? `thread ${target.threadId} of channel ${target.channelId}` : `channel ${target.channelId}`;
}
