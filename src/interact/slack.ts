import type { Logger } from '../observe/logger';
import { ACTIONS_BLOCK_ID, linkButton } from '../sinks/slack/actions';
import { escapeMrkdwn } from '../sinks/slack/mrkdwn';
import type { Wording } from '../render/catalog';
import type { Acting } from './act';
import { parseActionId } from '../sinks/actions';
import { outcomeLine, outcomeReason } from './wording';
import type { InteractionAnswer } from './interaction';
import type { ActOutcome, Moderation } from './moderate';
import { answerSlackAccount, formChannel, type SlackActPayload } from './slack-act';

/** The parts of a Slack `block_actions` payload the bridge reads. */
export interface SlackInteraction extends SlackActPayload {
  response_url?: unknown;
  team?: { id?: unknown };
}

export interface SlackContext {
  sink: string;
  /** where the sink's cards are: its workspace, and its channel (an id, or `#name`) when it posts with a token */
  place: { teamId: string; channel?: string };
  moderation: Moderation;
  /** acting from chat, when the sink has actors: with the bot token and API base its forms need */
  acting?: { acting: Acting; reactions: readonly string[]; token: string; apiUrl: string };
  logger: Logger;
  /** origins a response_url may point at: Slack's, and the configured apiUrl's (a test double) */
  responseOrigins: readonly string[];
  /** the sink's words */
  wording: Wording;
  timeoutMs?: number;
}

export const SLACK_RESPONSE_ORIGIN = 'https://hooks.slack.com';

/** The key a replayed interaction is recognised by: who clicked, and when Slack says they did. */
export function slackReplayKey(payload: SlackInteraction): string | undefined {
  // a form is submitted once: its view id names the submission
  if (payload.type === 'view_submission') return typeof payload.view?.id === 'string' ? `slack:view:${payload.view.id}` : undefined;
  const action = payload.actions?.[0];
  if (typeof payload.user?.id !== 'string' || typeof action?.action_ts !== 'string') return undefined;
  return `slack:${payload.user.id}:${action.action_ts}`;
}

/**
 * A verified `block_actions` payload → an empty 200 at once; the answer (a refusal only the
 * clicker sees, or the card's update) goes to the payload's response_url.
 */
export async function answerSlack(payload: SlackInteraction, ctx: SlackContext): Promise<InteractionAnswer> {
  if (payload.type !== 'block_actions' && payload.type !== 'view_submission') return { status: 200 };
  const userId = payload.user?.id;
  const url = typeof payload.response_url === 'string' ? payload.response_url : undefined;
  const responseUrl = url && ctx.responseOrigins.some((origin) => url.startsWith(`${origin}/`)) ? url : undefined;
  // a form's submission carries no response_url
  if (typeof userId !== 'string' || (!responseUrl && payload.type === 'block_actions')) {
    ctx.logger.warn({ sink: ctx.sink }, 'Slack interaction without a user or a usable response_url: ignored');
    return { status: 200 };
  }
  const name = typeof payload.user?.username === 'string' ? payload.user.username : typeof payload.user?.name === 'string' ? payload.user.name : undefined;
  const respond = async (body: unknown) => {
    if (!responseUrl) return;
    try {
      const response = await fetch(responseUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(ctx.timeoutMs ?? 10_000),
        redirect: 'error',
      });
      if (!response.ok) ctx.logger.warn({ sink: ctx.sink, status: response.status }, 'Slack refused the answer to an interaction');
    } catch (error) {
      ctx.logger.warn({ sink: ctx.sink, reason: (error as Error).message }, 'cannot answer a Slack interaction');
    }
  };
  const elsewhere = wrongPlace({ ...payload, channel: formChannel(payload) }, ctx.place);
  if (ctx.acting) {
    const answer = answerSlackAccount(payload, { id: userId, name }, { sink: ctx.sink, ...ctx.acting, elsewhere, logger: ctx.logger, respond, wording: ctx.wording });
    if (answer) return answer;
  }
  const parsed = payload.type === 'block_actions' ? parseActionId(payload.actions?.[0]?.action_id) : null;
  // the link button also reports a click: nothing to do
  if (!parsed) return { status: 200 };
  const request = { platform: 'slack' as const, sink: ctx.sink, ...parsed, actor: { id: userId, name } };
  const whisper = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, text });
  if (elsewhere || !ctx.moderation.allowed(ctx.sink, request.actor)) {
    return {
      status: 200,
      after: async () => {
        await ctx.moderation.refuse(request, elsewhere);
        await whisper(ctx.wording.text(elsewhere ? 'card.elsewhere' : 'card.notAllowed'));
      },
    };
  }
  return {
    status: 200,
    after: async () => {
      const outcome = await ctx.moderation.act(request);
      if (outcome.kind === 'duplicate' || outcome.kind === 'refused') return whisper(ctx.wording.text('card.nothingDone', { reason: outcomeReason(ctx.wording, outcome) }));
      await respond({ replace_original: true, ...updatedCard(payload.message ?? {}, outcome, userId, parsed.action, ctx.wording) });
    },
  };
}

/** the app may be installed in other workspaces, and its signature is the same there */
function wrongPlace(payload: SlackInteraction, place: SlackContext['place']): string | undefined {
  if (payload.team?.id !== place.teamId) return `clicked in another workspace (${String(payload.team?.id)})`;
  const { channel } = place;
  if (channel === undefined) return undefined;
  const here = channel.startsWith('#') ? payload.channel?.name === channel.slice(1) : payload.channel?.id === channel;
  return here ? undefined : `clicked in another channel (${String(payload.channel?.id)})`;
}

type Block = Record<string, unknown> & { block_id?: unknown; elements?: unknown };

/** The card once acted on: a context line saying who did what when (or what Misskey answered). */
export function updatedCard(
  message: NonNullable<SlackInteraction['message']>,
  outcome: ActOutcome,
  userId: string,
  action: 'resolve' | 'forward',
  wording: Wording,
) {
  const blocks = Array.isArray(message.blocks) ? (message.blocks as Block[]) : [];
  const actions = blocks.find((block) => block.block_id === ACTIONS_BLOCK_ID);
  const rest = blocks.filter((block) => block !== actions && block.block_id !== STATUS_BLOCK_ID);
  let line: string;
  let tail: Block[];
  if (outcome.kind === 'done') {
    const seconds = Math.floor(outcome.at / 1000);
    const when = `<!date^${seconds}^{date_short_pretty} {time}|${escapeMrkdwn(wording.date(outcome.at))}>`;
    line = `${outcomeLine(wording, outcome, action, `<@${userId}>`)} · ${when}`;
    const link = linkButton(openUrl(actions), wording.text('card.open'));
    tail = link ? [{ type: 'actions', block_id: ACTIONS_BLOCK_ID, elements: [link] }] : [];
  } else {
    line = `⚠️ ${wording.text('card.notResolved', { reason: escapeMrkdwn(outcomeReason(wording, outcome)) })}`;
    tail = actions ? [actions] : [];
  }
  const status: Block = { type: 'context', block_id: STATUS_BLOCK_ID, elements: [{ type: 'mrkdwn', text: line.slice(0, 3000) }] };
  return { text: typeof message.text === 'string' ? message.text : wording.text('card.abuseReport'), blocks: [...rest.slice(0, 48), status, ...tail] };
}

const STATUS_BLOCK_ID = 'mkb-status';

function openUrl(block: Block | undefined): string | undefined {
  const elements = Array.isArray(block?.elements) ? (block.elements as { url?: unknown }[]) : [];
  const url = elements.find((element) => typeof element.url === 'string')?.url;
  return typeof url === 'string' ? url : undefined;
}
