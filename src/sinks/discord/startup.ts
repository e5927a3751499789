import { ChannelType, type APIChannel } from 'discord-api-types/v10';
import { describeTarget, type DiscordTarget } from './target';
import type { BotTransport, WebhookTransport } from './transport';

/** The destination answered, but is not something this sink can post to. */
export class DestinationProblem extends Error {
  override readonly name = 'DestinationProblem';
}

const THREADS = new Set<number>([ChannelType.PublicThread, ChannelType.PrivateThread, ChannelType.AnnouncementThread]);
const FORUMS = new Set<number>([ChannelType.GuildForum, ChannelType.GuildMedia]);
const NOT_POSTABLE = new Set<number>([ChannelType.GuildCategory, ChannelType.GuildDirectory]);

/** GET /webhooks/{id}/{token}; returns a line for the log. */
export async function checkWebhook(transport: WebhookTransport, target: Extract<DiscordTarget, { mode: 'webhook' }>): Promise<string> {
  const webhook = await transport.fetchWebhook();
  const name = webhook.name ? ` "${webhook.name}"` : '';
  return `Discord webhook ${target.webhookId}${name} posts to channel ${webhook.channel_id}${target.threadId ? `, thread ${target.threadId}` : ''}`;
}

/** GET /channels/{id} (and the thread): the token works, the bot sees them, they take messages. */
export async function checkBotChannel(transport: BotTransport, target: Extract<DiscordTarget, { mode: 'bot' }>, sinkName: string): Promise<string> {
  const channel: APIChannel = await transport.fetchChannel(target.channelId);
  const key = (name: string) => `sinks.${sinkName}.${name}`;
  if (NOT_POSTABLE.has(channel.type)) {
    throw new DestinationProblem(`Discord channel ${target.channelId} is a category or directory, not a channel to post in: fix ${key('channelId')}`);
  }
  if (FORUMS.has(channel.type) && !target.threadId) {
    throw new DestinationProblem(`Discord channel ${target.channelId} is a forum: set ${key('threadId')} to the id of the post to write in`);
  }
  if (target.threadId) {
    const thread = await transport.fetchChannel(target.threadId);
    if (!THREADS.has(thread.type) || !('parent_id' in thread) || thread.parent_id !== target.channelId) {
      throw new DestinationProblem(`Discord channel ${target.threadId} is not a thread of channel ${target.channelId}: fix ${key('threadId')}`);
    }
  }
  return `Discord bot posts to ${describeTarget(target)}`;
}
