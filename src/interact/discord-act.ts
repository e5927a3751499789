import type { Wording } from '../render/catalog';
import type { Logger } from '../observe/logger';
import { parseAccountActionId, type AccountActionId } from '../sinks/actions';
import type { AccountOutcome, AccountRequest, Acting } from './act';
import type { DiscordInteraction, InteractionAnswer } from './interaction';
import { describeActed, REPLY_MAX, type Actor } from './acted';

/** Interaction and callback types of Discord's interactions API. */
export const MODAL_SUBMIT = 5;
const CHANNEL_MESSAGE_WITH_SOURCE = 4;
const DEFERRED_UPDATE_MESSAGE = 6;
const MODAL = 9;
const EPHEMERAL = 64;
const PARAGRAPH = 2;
const SHORT = 1;
const CONTENT_MAX = 2000;
const FIELDS_MAX = 25;
const FIELD_MAX = 1024;
/** the embed field the account's actions are listed in */
const TEXT_FIELD = 'text';
const CW_FIELD = 'cw';

export interface DiscordActContext {
  sink: string;
  acting: Acting;
  /** the sink's reactions, in order */
  reactions: readonly string[];
  /** why the click does not come from where the sink posts its cards, if it does not */
  elsewhere: string | undefined;
  logger: Logger;
  /** posts to the interaction's webhook (an edit of the card, or a follow-up only the clicker sees) */
  callback: (method: 'PATCH' | 'POST', path: string, body: unknown) => Promise<void>;
  /** the sink's words */
  wording: Wording;
}

/** a follow-up only the clicker sees: why nothing was done */
export const nothingDone = (content: string) => ({ content, flags: EPHEMERAL, allowed_mentions: { parse: [] } });

export const ephemeral = (content: string): InteractionAnswer => ({
  status: 200,
  body: { type: CHANNEL_MESSAGE_WITH_SOURCE, data: { content, flags: EPHEMERAL, allowed_mentions: { parse: [] } } },
});

/**
 * A click on a note or follow card, or the reply form sent back. Reply opens the form as the
 * interaction's first answer (Discord accepts no modal after a deferral); everything else is
 * answered with a deferred update, then the card is edited (or a refusal whispered).
 */
export function answerDiscordAccount(interaction: DiscordInteraction, actor: Actor, ctx: DiscordActContext): InteractionAnswer | undefined {
  const parsed = parseAccountActionId(interaction.data?.custom_id);
  if (!parsed) return undefined;
  const submitted = interaction.type === MODAL_SUBMIT;
  const request = toRequest(parsed, interaction, actor, ctx, submitted);
  if (!request) return ephemeral(ctx.wording.text('card.notOurs'));
  if (ctx.elsewhere) {
    const reason = ctx.elsewhere;
    return { ...ephemeral(ctx.wording.text('card.elsewhere')), after: async () => void (await ctx.acting.refuse(request, reason)) };
  }
  if (!ctx.acting.allowed(ctx.sink, actor)) {
    return { ...ephemeral(ctx.wording.text('act.notAllowed')), after: async () => void (await ctx.acting.refuse(request)) };
  }
  if (parsed.action === 'reply' && !submitted) return { status: 200, body: { type: MODAL, data: replyForm(interaction.data?.custom_id as string, ctx.wording) } };
  if (parsed.action === 'reply' && !request.text?.trim()) return ephemeral(ctx.wording.text('act.emptyReply'));
  return {
    status: 200,
    body: { type: DEFERRED_UPDATE_MESSAGE },
    after: async () => {
      const outcome = await ctx.acting.act(request);
      if (outcome.kind === 'duplicate' || outcome.kind === 'refused') return ctx.callback('POST', '', nothingDone(ctx.wording.text('card.nothingDone', { reason: outcome.reason })));
      await ctx.callback('PATCH', '/messages/@original', actedCard(interaction.message ?? {}, outcome, request, actor, ctx.wording));
    },
  };
}

function toRequest(parsed: AccountActionId, interaction: DiscordInteraction, actor: Actor, ctx: DiscordActContext, submitted: boolean): AccountRequest | undefined {
  const reaction = parsed.index !== undefined ? ctx.reactions[parsed.index] : undefined;
  if (parsed.action === 'react' && reaction === undefined) return undefined;
  const fields = submitted ? formValues(interaction.data?.components) : new Map<string, string>();
  const cw = fields.get(CW_FIELD)?.trim();
  return {
    platform: 'discord',
    sink: ctx.sink,
    source: parsed.source,
    action: parsed.action,
    subject: parsed.subject,
    trigger: typeof interaction.id === 'string' ? interaction.id : '',
    actor,
    ...(reaction !== undefined ? { reaction } : {}),
    ...(submitted ? { text: fields.get(TEXT_FIELD) ?? '' } : {}),
    // empty: the note's own CW is kept; "-": none
    ...(cw ? { cw: cw === '-' ? null : cw } : {}),
  };
}

function replyForm(customId: string, wording: Wording) {
  const input = (custom_id: string, style: number, label: string, extra: Record<string, unknown>) => ({
    type: 1,
    components: [{ type: 4, custom_id, style, label, ...extra }],
  });
  return {
    custom_id: customId,
    title: wording.text('act.form.title'),
    components: [
      input(TEXT_FIELD, PARAGRAPH, wording.text('card.reply'), { required: true, min_length: 1, max_length: REPLY_MAX }),
      input(CW_FIELD, SHORT, wording.text('act.form.cw'), { required: false, max_length: 100, placeholder: wording.text('act.form.cwDiscord') }),
    ],
  };
}

/** the values of a submitted form, by field id (action rows of text inputs, or labels around them) */
function formValues(components: unknown): Map<string, string> {
  const values = new Map<string, string>();
  const visit = (node: unknown) => {
    if (typeof node !== 'object' || node === null) return;
    const { custom_id: id, value, components: children, component } = node as Record<string, unknown>;
    if (typeof id === 'string' && typeof value === 'string') values.set(id, value);
    if (Array.isArray(children)) children.forEach(visit);
    visit(component);
  };
  if (Array.isArray(components)) components.forEach(visit);
  return values;
}

type Embed = Record<string, unknown> & { fields?: { name: string; value: string; inline?: boolean }[] };

/** The card with a line for what was done (or why not); the buttons that still apply stay. */
function actedCard(message: NonNullable<DiscordInteraction['message']>, outcome: AccountOutcome, request: AccountRequest, actor: Actor, wording: Wording) {
  const line = describeActed(outcome, request, `<@${actor.id}>`, (text, url) => `[${text}](${url})`, wording);
  const field = wording.text('act.field');
  const embeds = Array.isArray(message.embeds) ? (message.embeds as Embed[]).map((embed) => ({ ...embed })) : [];
  let content = typeof message.content === 'string' ? message.content : '';
  const first = embeds[0];
  if (first) {
    const fields = first.fields ?? [];
    const before = fields.find((existing) => existing.name === field)?.value ?? '';
    first.fields = [...fields.filter((existing) => existing.name !== field).slice(0, FIELDS_MAX - 1), { name: field, value: appendLine(before, line, FIELD_MAX), inline: false }];
  } else {
    content = appendLine(content, line, CONTENT_MAX);
  }
  const settled = outcome.kind === 'done' && request.action !== 'reply' && request.action !== 'react';
  return { content, embeds, components: settled ? [] : (message.components ?? []), allowed_mentions: { parse: [] } };
}

/** the lines so far, an earlier failure's line replaced, the oldest dropped to fit */
export function appendLine(text: string, line: string, max: number): string {
  const lines = text.split('\n').filter((l) => l !== '' && !l.startsWith('⚠️'));
  lines.push(line.slice(0, max));
  while (lines.join('\n').length > max && lines.length > 1) lines.shift();
  return lines.join('\n');
}
