import { createHash } from 'node:crypto';
import { MessageFlags, type APIAllowedMentions, type APIEmbed } from 'discord-api-types/v10';
import type { Delivery } from '../../deliver/sink';
import { accountRows, actionRows, type DiscordActionRow } from './actions';
import { composeContent } from './content';
import { composeEmbeds } from './embeds';
import { MAX_NONCE } from './limits';
import { embeddableUrl } from './links';
import type { FitNote } from './slots';
import { safeUsername } from './username';

/** The JSON body posted to Discord (webhook execute or create message). */
export interface DiscordBody {
  content?: string;
  embeds?: APIEmbed[];
  allowed_mentions: APIAllowedMentions;
  username?: string;
  avatar_url?: string;
  flags?: number;
  nonce?: string;
  enforce_nonce?: boolean;
  /** bot mode: the message this one replies to */
  message_reference?: { message_id: string; fail_if_not_exists: boolean };
  /** bot mode: an abuse report card's buttons; `[]` on an edit takes them away */
  components?: DiscordActionRow[];
}

export interface BodyOptions {
  mode: 'webhook' | 'bot';
  sinkName: string;
  allowMentions: boolean;
  suppressEmbeds: boolean;
  username?: string;
  avatarUrl?: string;
}

/** Nobody is notified unless the sink opts in; even then never @everyone/@here. */
export function allowedMentions(allow: boolean): APIAllowedMentions {
  return allow ? { parse: ['users', 'roles'] as APIAllowedMentions['parse'] } : { parse: [] };
}

/** A bot nonce (≤25 chars) that is the same for every retry of one delivery to one sink. */
export function nonceFor(sinkName: string, deliveryKey: string): string {
  const digest = createHash('sha256').update(`${sinkName}\n${deliveryKey}`).digest();
  return BigInt(`0x${digest.subarray(0, 16).toString('hex')}`).toString(36).slice(0, MAX_NONCE);
}

/** The one author of every message of the delivery, if there is one. */
function soleAuthor(delivery: Delivery): { name: string; iconUrl?: string } | undefined {
  const [first] = delivery.messages;
  const name = first?.author?.name.trim();
  if (!first?.author || !name) return undefined;
  const same = delivery.messages.every((message) => message.author?.name.trim() === name);
  return same ? { name, iconUrl: first.author.iconUrl } : undefined;
}

/** The webhook's name and avatar: the configured ones, else the note author's. */
function identity(delivery: Delivery, options: BodyOptions): { username?: string; avatar_url?: string; isAuthor: boolean } {
  if (options.mode !== 'webhook') return { isAuthor: false };
  const author = soleAuthor(delivery);
  const username = safeUsername(options.username ?? author?.name);
  const avatar = options.avatarUrl ?? (options.username === undefined ? embeddableUrl(author?.iconUrl) : undefined);
  return {
    ...(username ? { username } : {}),
    ...(avatar ? { avatar_url: avatar } : {}),
    isAuthor: options.username === undefined && username !== undefined,
  };
}

export function composeBody(delivery: Delivery, options: BodyOptions): { body: DiscordBody; notes: FitNote[] } {
  if (delivery.messages.length === 0) throw new Error('a delivery without messages');
  const { isAuthor, ...who } = identity(delivery, options);
  const composed = options.suppressEmbeds
    ? composeContent(delivery.messages, !isAuthor)
    : composeEmbeds(delivery.messages);
  const body: DiscordBody = {
    ...('content' in composed ? { content: composed.content, flags: MessageFlags.SuppressEmbeds } : { embeds: composed.embeds }),
    ...who,
    allowed_mentions: allowedMentions(options.allowMentions),
    ...(options.mode === 'bot' ? { nonce: nonceFor(options.sinkName, delivery.key), enforce_nonce: true } : {}),
    ...(options.mode === 'bot' && delivery.actions ? { components: actionRows(delivery.actions) } : {}),
    ...(options.mode === 'bot' && delivery.account ? { components: accountRows(delivery.account) } : {}),
    // an edit (a report resolved at Misskey) takes the card's buttons away
    ...(options.mode === 'bot' && delivery.edit && !delivery.actions && !delivery.account ? { components: [] } : {}),
  };
  return { body, notes: composed.notes };
}
