import type { APIMessage } from 'discord-api-types/v10';
import type { MessageRef } from '../../store/messages';
import { MAX_CONTENT } from './limits';
import type { DiscordBody } from './payload';

/**
 * A reply to an earlier message. A bot replies to it (`message_reference`: Discord shows the quoted
 * parent above); a webhook cannot, so the message starts with a "↪ in reply to" link to the parent
 * (when the server id is known, else without the link).
 */
export function answering(body: DiscordBody, parent: MessageRef, mode: 'webhook' | 'bot', guildId: string | undefined): DiscordBody {
  if (mode === 'bot') return { ...body, message_reference: { message_id: parent.id, fail_if_not_exists: false } };
  const guild = parent.guild ?? guildId;
  const line = guild ? `↪ in reply to https://discord.com/channels/${guild}/${parent.channel}/${parent.id}` : '↪ in reply to an earlier message';
  const content = body.content ? `${line}\n${body.content}` : line;
  // a message at its length limit goes without the line rather than be refused
  return content.length > MAX_CONTENT ? body : { ...body, content };
}

/** The reference of a message Discord answered with; `thread` when it was posted into one. */
export function refOf(message: APIMessage, guildId: string | undefined, thread?: string): MessageRef {
  const guild = (message as { guild_id?: string }).guild_id ?? guildId;
  return { platform: 'discord', id: message.id, channel: message.channel_id, ...(thread ? { thread } : {}), ...(guild ? { guild } : {}) };
}

/** Discord's limit on a thread name */
export const MAX_THREAD_NAME = 100;

/** A thread's name: the topic on one line, at most 100 characters; "Replies" when there is none. */
export function threadName(topic: string | undefined): string {
  const line = (topic ?? '').replace(/\s+/g, ' ').trim();
  if (line === '') return 'Replies';
  const chars = [...line];
  return chars.length <= MAX_THREAD_NAME ? line : `${chars.slice(0, MAX_THREAD_NAME - 1).join('').trimEnd()}…`;
}
