import type { Wording } from '../render/catalog';
import type { WebClient } from '@slack/web-api';
import type { Logger } from '../observe/logger';
import { ACTIONS_BLOCK_ID } from '../sinks/slack/actions';
import { escapeMrkdwn } from '../sinks/slack/mrkdwn';
import type { AccountOutcome, AccountRequest, Acting } from './act';
import { describeActed, REPLY_MAX, type Actor } from './acted';
import { parseAccountActionId, type AccountActionId } from '../sinks/actions';
import { appendLine } from './discord-act';
import type { InteractionAnswer } from './interaction';

/** The parts of a Slack `block_actions` or `view_submission` payload acting reads. */
export interface SlackActPayload {
  type?: unknown;
  user?: { id?: unknown; username?: unknown; name?: unknown };
  trigger_id?: unknown;
  actions?: { action_id?: unknown; action_ts?: unknown }[];
  container?: { channel_id?: unknown; message_ts?: unknown };
  channel?: { id?: unknown; name?: unknown };
  message?: { ts?: unknown; text?: unknown; blocks?: unknown };
  view?: { id?: unknown; callback_id?: unknown; private_metadata?: unknown; state?: { values?: unknown } };
}

export interface SlackActContext {
  sink: string;
  acting: Acting;
  reactions: readonly string[];
  /** why the request does not come from where the sink posts its cards, if it does not */
  elsewhere?: string;
  /** the sink's bot token and Web API base: forms open and thread lines post with them */
  token: string;
  apiUrl: string;
  logger: Logger;
  /** posts to the click's response_url */
  respond: (body: unknown) => Promise<void>;
  /** the sink's words */
  wording: Wording;
}

const TEXT_BLOCK = 'mkb-text';
const CW_BLOCK = 'mkb-cw';
const KEEP_CW = 'keep';
const ACTED_BLOCK_ID = 'mkb-acted';

/**
 * A click on a note or follow card, or the reply form sent back. Every answer is an empty 200 at
 * once; Reply then opens its form with the click's trigger (valid 3 s, once), the form's submission
 * posts the reply and a line in the card's thread, the other buttons update the card.
 */
export function answerSlackAccount(payload: SlackActPayload, actor: Actor, ctx: SlackActContext): InteractionAnswer | undefined {
  const submitted = payload.type === 'view_submission';
  const parsed = parseAccountActionId(submitted ? payload.view?.callback_id : payload.actions?.[0]?.action_id);
  if (!parsed) return undefined;
  const request = toRequest(parsed, payload, actor, ctx, submitted);
  if (!request) return { status: 200 };
  const client = () => slackClient(ctx.token, ctx.apiUrl);
  const whisper = (text: string) => ctx.respond({ response_type: 'ephemeral', replace_original: false, text });
  if (ctx.elsewhere || !ctx.acting.allowed(ctx.sink, actor)) {
    const reason = ctx.elsewhere;
    return { status: 200, after: async () => {
      await ctx.acting.refuse(request, reason);
      if (!submitted) await whisper(ctx.wording.text(reason ? 'card.elsewhere' : 'act.notAllowed'));
    } };
  }
  if (parsed.action === 'reply' && !submitted) return { status: 200, after: () => openForm(client(), payload, ctx) };
  if (submitted) return { status: 200, after: () => submitReply(client(), payload, request, actor, ctx) };
  return {
    status: 200,
    after: async () => {
      const outcome = await ctx.acting.act(request);
      if (outcome.kind === 'duplicate' || outcome.kind === 'refused') return whisper(`Nothing done: ${outcome.reason}.`);
      await ctx.respond({ replace_original: true, ...actedCard(payload.message ?? {}, outcome, request, actor, ctx.wording) });
    },
  };
}

/** A form's submission names no channel: the card's, as the form carried it. */
export function formChannel(payload: SlackActPayload): { id?: unknown; name?: unknown } | undefined {
  if (payload.type !== 'view_submission') return payload.channel;
  try {
    const place = JSON.parse(String(payload.view?.private_metadata)) as { channel?: unknown; channelName?: unknown };
    return { id: place.channel, name: place.channelName };
  } catch {
    return undefined;
  }
}

/**
 * The Web API client for forms and thread lines, made when first needed: @slack/web-api is required
 * only by a bridge that acts from Slack (see the sink registry's lazy loading).
 */
function slackClient(token: string, apiUrl: string): WebClient {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose
  const slack = require('@slack/web-api') as typeof import('@slack/web-api');
  return new slack.WebClient(token, { slackApiUrl: apiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, logLevel: slack.LogLevel.ERROR });
}

function toRequest(parsed: AccountActionId, payload: SlackActPayload, actor: Actor, ctx: SlackActContext, submitted: boolean): AccountRequest | undefined {
  const reaction = parsed.index !== undefined ? ctx.reactions[parsed.index] : undefined;
  if (parsed.action === 'react' && reaction === undefined) return undefined;
  const values = (payload.view?.state?.values ?? {}) as Record<string, Record<string, { value?: unknown; selected_options?: { value?: unknown }[] }>>;
  const text = values[TEXT_BLOCK]?.[TEXT_BLOCK]?.value;
  const keep = values[CW_BLOCK]?.[CW_BLOCK]?.selected_options?.some((option) => option.value === KEEP_CW) ?? true;
  const trigger = submitted ? payload.view?.id : payload.actions?.[0]?.action_ts;
  return {
    platform: 'slack',
    sink: ctx.sink,
    source: parsed.source,
    action: parsed.action,
    subject: parsed.subject,
    trigger: typeof trigger === 'string' ? trigger : '',
    actor,
    ...(reaction !== undefined ? { reaction } : {}),
    ...(submitted ? { text: typeof text === 'string' ? text : '', ...(keep ? {} : { cw: null }) } : {}),
  };
}

async function openForm(client: WebClient, payload: SlackActPayload, ctx: SlackActContext): Promise<void> {
  const w = ctx.wording;
  const channel = payload.container?.channel_id ?? payload.channel?.id;
  const channelName = payload.channel?.name;
  const ts = payload.container?.message_ts ?? payload.message?.ts;
  try {
    await client.views.open({
      trigger_id: String(payload.trigger_id),
      view: {
        type: 'modal',
        callback_id: String(payload.actions?.[0]?.action_id),
        // a view_submission names no channel: the card's place travels with the form
        private_metadata: JSON.stringify({ channel, ts, channelName }),
        title: { type: 'plain_text', text: w.text('act.form.title') },
        submit: { type: 'plain_text', text: w.text('act.form.post') },
        close: { type: 'plain_text', text: w.text('act.form.cancel') },
        blocks: [
          { type: 'input', block_id: TEXT_BLOCK, label: { type: 'plain_text', text: w.text('card.reply') }, element: { type: 'plain_text_input', action_id: TEXT_BLOCK, multiline: true, max_length: REPLY_MAX } },
          {
            type: 'input',
            block_id: CW_BLOCK,
            optional: true,
            label: { type: 'plain_text', text: w.text('act.form.cw') },
            element: {
              type: 'checkboxes',
              action_id: CW_BLOCK,
              options: [{ text: { type: 'plain_text', text: w.text('act.form.keepCw') }, value: KEEP_CW }],
              initial_options: [{ text: { type: 'plain_text', text: w.text('act.form.keepCw') }, value: KEEP_CW }],
            },
          },
        ],
      },
    });
  } catch (error) {
    ctx.logger.warn({ sink: ctx.sink, reason: (error as Error).message }, 'Slack: cannot open the reply form');
    await ctx.respond({ response_type: 'ephemeral', replace_original: false, text: w.text('act.form.failed', { reason: escapeMrkdwn((error as Error).message) }) });
  }
}

async function submitReply(client: WebClient, payload: SlackActPayload, request: AccountRequest, actor: Actor, ctx: SlackActContext): Promise<void> {
  let place: { channel?: unknown; ts?: unknown } = {};
  try {
    place = JSON.parse(String(payload.view?.private_metadata)) as typeof place;
  } catch {
    // no place: the reply is still posted, only the card's line is missing
  }
  const outcome = request.text?.trim() ? await ctx.acting.act(request) : ({ kind: 'failed', reason: ctx.wording.text('act.emptyReason') } as const);
  if (typeof place.channel !== 'string' || typeof place.ts !== 'string') return;
  const line = describeActed(outcome, request, `<@${actor.id}>`, (text, url) => `<${url}|${text}>`, ctx.wording);
  try {
    await client.chat.postMessage({ channel: place.channel, thread_ts: place.ts, text: line, unfurl_links: false, unfurl_media: false });
  } catch (error) {
    ctx.logger.warn({ sink: ctx.sink, reason: (error as Error).message }, 'Slack: cannot note the reply on its card');
  }
}

type Block = Record<string, unknown> & { block_id?: unknown; elements?: { text?: unknown }[] };

/** The card with a context line for what was done (or why not); follow cards lose their buttons once done. */
function actedCard(message: NonNullable<SlackActPayload['message']>, outcome: AccountOutcome, request: AccountRequest, actor: Actor, wording: Wording) {
  const blocks = Array.isArray(message.blocks) ? (message.blocks as Block[]) : [];
  const before = blocks.find((block) => block.block_id === ACTED_BLOCK_ID)?.elements?.[0]?.text;
  const line =
    outcome.kind === 'done'
      ? describeActed(outcome, request, `<@${actor.id}>`, (text, url) => `<${url}|${text}>`, wording)
      : escapeMrkdwn(describeActed(outcome, request, '', (_text, url) => url, wording));
  const settled = outcome.kind === 'done' && request.action !== 'react';
  const actions = blocks.find((block) => block.block_id === ACTIONS_BLOCK_ID);
  const rest = blocks.filter((block) => block !== actions && block.block_id !== ACTED_BLOCK_ID);
  const acted: Block = { type: 'context', block_id: ACTED_BLOCK_ID, elements: [{ type: 'mrkdwn', text: appendLine(typeof before === 'string' ? before : '', line, 3000) } as { text: string }] };
  return { text: typeof message.text === 'string' ? message.text : 'Misskey', blocks: [...rest.slice(0, 48), acted, ...(actions && !settled ? [actions] : [])] };
}
