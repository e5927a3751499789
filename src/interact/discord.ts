import type { Logger } from '../observe/logger';
import type { Wording } from '../render/catalog';
import { linkRow } from '../sinks/discord/actions';
import { parseActionId } from '../sinks/actions';
import { outcomeLine, outcomeReason } from './wording';
import type { ActOutcome, Moderation } from './moderate';

/** Interaction and callback types of Discord's interactions API. */
const PING = 1;
const MESSAGE_COMPONENT = 3;
const PONG = 1;
const CHANNEL_MESSAGE_WITH_SOURCE = 4;
const DEFERRED_UPDATE_MESSAGE = 6;
const EPHEMERAL = 64;
const CONTENT_MAX = 2000;
const FIELDS_MAX = 25;

interface DiscordUser {
  id?: unknown;
  username?: unknown;
  global_name?: unknown;
}

/** The parts of an interaction the bridge reads. */
export interface DiscordInteraction {
  id?: unknown;
  type?: unknown;
  token?: unknown;
  application_id?: unknown;
  guild_id?: unknown;
  channel_id?: unknown;
  data?: { custom_id?: unknown };
  member?: { user?: DiscordUser; roles?: unknown };
  user?: DiscordUser;
  message?: { id?: unknown; content?: unknown; embeds?: unknown; components?: unknown };
}

/** The HTTP answer, and the work that follows it (the edit of the card). */
export interface InteractionAnswer {
  status: number;
  body?: unknown;
  after?: () => Promise<void>;
}

export interface DiscordContext {
  sink: string;
  /** where the sink's cards are: a click from another server or channel is refused */
  place: { guildId: string; channelId: string };
  /** the sink's API base, e.g. https://discord.com/api */
  apiBase: string;
  moderation: Moderation;
  logger: Logger;
  /** the sink's words */
  wording: Wording;
  timeoutMs?: number;
}

const ephemeral = (content: string): InteractionAnswer => ({
  status: 200,
  body: { type: CHANNEL_MESSAGE_WITH_SOURCE, data: { content, flags: EPHEMERAL, allowed_mentions: { parse: [] } } },
});

/** A verified interaction → the answer: PONG, a refusal only the clicker sees, or a deferred update then the card's edit. */
export async function answerDiscord(interaction: DiscordInteraction, ctx: DiscordContext): Promise<InteractionAnswer> {
  if (interaction.type === PING) return { status: 200, body: { type: PONG } };
  const { wording } = ctx;
  if (interaction.type !== MESSAGE_COMPONENT) return ephemeral(wording.text('card.onlyCards'));
  const parsed = parseActionId(interaction.data?.custom_id);
  if (!parsed) return ephemeral(wording.text('card.notOurs'));
  const user = interaction.member?.user ?? interaction.user ?? {};
  if (typeof user.id !== 'string') return ephemeral(wording.text('card.noClicker'));
  const name = typeof user.global_name === 'string' ? user.global_name : typeof user.username === 'string' ? user.username : undefined;
  const roles = Array.isArray(interaction.member?.roles) ? interaction.member.roles.filter((r): r is string => typeof r === 'string') : [];
  const request = { platform: 'discord' as const, sink: ctx.sink, ...parsed, actor: { id: user.id, name, roles } };
  // signed by the application, but the application may be in other servers: roles there mean nothing here
  const elsewhere = wrongPlace(interaction, ctx.place);
  if (elsewhere) {
    await ctx.moderation.refuse(request, elsewhere);
    return ephemeral(ctx.wording.text('card.elsewhere'));
  }
  if (!ctx.moderation.allowed(ctx.sink, request.actor)) {
    await ctx.moderation.refuse(request);
    return ephemeral(wording.text('card.notAllowed'));
  }
  const { token, application_id: applicationId } = interaction;
  if (typeof token !== 'string' || typeof applicationId !== 'string' || !/^\d{1,20}$/.test(applicationId)) {
    return ephemeral(wording.text('card.noToken'));
  }
  const webhook = `${ctx.apiBase.replace(/\/+$/, '')}/v10/webhooks/${applicationId}/${encodeURIComponent(token)}`;
  return {
    status: 200,
    body: { type: DEFERRED_UPDATE_MESSAGE },
    after: async () => {
      const outcome = await ctx.moderation.act(request);
      const timeoutMs = ctx.timeoutMs ?? 10_000;
      const call = async (method: 'PATCH' | 'POST', url: string, body: unknown) => {
        const response = await fetch(url, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });
        if (!response.ok) ctx.logger.warn({ sink: ctx.sink, status: response.status }, `Discord refused the answer to an interaction: ${(await response.text()).slice(0, 300)}`);
      };
      try {
        if (outcome.kind === 'duplicate' || outcome.kind === 'refused') {
          const content = wording.text('card.nothingDone', { reason: outcomeReason(wording, outcome) });
          await call('POST', webhook, { content, flags: EPHEMERAL, allowed_mentions: { parse: [] } });
        } else {
          await call('PATCH', `${webhook}/messages/@original`, updatedCard(interaction.message ?? {}, outcome, user.id as string, parsed.action, wording));
        }
      } catch (error) {
        ctx.logger.warn({ sink: ctx.sink, reason: (error as Error).message }, 'cannot answer a Discord interaction');
      }
    },
  };
}

function wrongPlace(interaction: DiscordInteraction, place: DiscordContext['place']): string | undefined {
  if (interaction.guild_id !== place.guildId) return `clicked in another server (${String(interaction.guild_id ?? 'a direct message')})`;
  if (interaction.channel_id !== place.channelId) return `clicked in another channel (${String(interaction.channel_id)})`;
  return undefined;
}

type Embed = Record<string, unknown> & { fields?: { name: string; value: string; inline?: boolean }[] };

/** The card once acted on: a line saying who did what when (or what Misskey answered), buttons as fits. */
export function updatedCard(
  message: NonNullable<DiscordInteraction['message']>,
  outcome: ActOutcome,
  actorId: string,
  action: 'resolve' | 'forward',
  wording: Wording,
) {
  const done = outcome.kind === 'done';
  const when = done ? ` · <t:${Math.floor(outcome.at / 1000)}:f>` : '';
  const line = `${outcomeLine(wording, outcome, action, `<@${actorId}>`)}${when}`;
  const field = wording.text('card.moderationField');
  const embeds = Array.isArray(message.embeds) ? (message.embeds as Embed[]).map((embed) => ({ ...embed })) : [];
  let content = typeof message.content === 'string' ? message.content : '';
  const first = embeds[0];
  if (first) {
    // an earlier failure's line gives way to the new one
    const fields = (first.fields ?? []).filter((existing) => existing.name !== field);
    first.fields = [...fields.slice(0, FIELDS_MAX - 1), { name: field, value: line.slice(0, 1024), inline: false }];
  } else {
    content = `${content.replace(/\n(✅|⚠️) [^\n]*$/u, '')}\n${line}`.slice(-CONTENT_MAX);
  }
  // done: only "Open in Misskey" stays; failed: the buttons stay, to try again
  const components = done ? linkRow(openUrl(message.components), wording.text('card.open')) : message.components;
  return { content, embeds, components: components ?? [], allowed_mentions: { parse: [] } };
}

/** the URL of the card's link button, if it has one */
function openUrl(components: unknown): string | undefined {
  if (!Array.isArray(components)) return undefined;
  for (const row of components as { components?: { style?: unknown; url?: unknown }[] }[]) {
    for (const button of row.components ?? []) if (button.style === 5 && typeof button.url === 'string') return button.url;
  }
  return undefined;
}
