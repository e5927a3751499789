import { parseRetryAfter, verdictForNetworkError, verdictForStatus } from '../http-verdict';
import { delivered, failed, type Verdict } from '../../deliver/sink';
import type { SlackContent } from './blocks';
import type { SlackSinkConfig } from './config';
import { describeCause } from './errors';
import type { SlackTransport } from './transport';

/** longest error text kept from a webhook answer */
const ANSWER_MAX = 100;

type WebhookConfig = SlackSinkConfig & { webhookUrl: string };

/**
 * Posts to an incoming webhook with plain fetch (@slack/webhook drops Retry-After on 429). The URL
 * holds the secret: it never reaches a log, a reason or the lane.
 */
export function webhookTransport(name: string, config: WebhookConfig, timeoutMs: number): SlackTransport {
  const url = config.webhookUrl;
  const [, , team, hook] = new URL(url).pathname.split('/');
  const body = (content: SlackContent) => ({
    text: content.text,
    blocks: content.blocks,
    unfurl_links: config.unfurl,
    unfurl_media: config.unfurl && !content.sensitive,
  });

  return {
    lane: `slack:webhook:${team}/${hook}`,
    start: async () => undefined,
    body,
    async post(content) {
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(body(content)),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        const described = describeCause(error instanceof Error ? error : new Error(String(error)));
        return verdictForNetworkError(new Error(described.message.split(url).join('<webhook>')));
      }
      const answer = (await response.text().catch(() => '')).trim().slice(0, ANSWER_MAX).split(url).join('<webhook>');
      if (response.ok) return delivered();
      return webhookVerdict(response.status, answer, parseRetryAfter(response.headers.get('retry-after')), name);
    },
    close: async () => undefined,
  };
}

/** Webhook answers are a status and a short text code (platforms.md §2.5). */
export function webhookVerdict(status: number, answer: string, retryAfterMs: number | undefined, sink: string): Verdict {
  const code = answer || String(status);
  const fix = `sinks.${sink}.webhookUrl`;
  if (status === 400 && code === 'user_not_found') {
    return failed(`the Slack incoming webhook's owner or channel is gone (user_not_found): create a new webhook and update ${fix}`, true);
  }
  if (status === 403) {
    return failed(`Slack refuses posts through this incoming webhook (${code}): a workspace admin restricted it; ask them, or create a new webhook and update ${fix}`, true);
  }
  if (status === 404) {
    return failed(`the Slack incoming webhook no longer exists (${code}): create a new one (Incoming Webhooks in the app's settings) and update ${fix}`, true);
  }
  if (status === 410) {
    return failed(`the Slack incoming webhook's channel is archived (${code}): unarchive it, or create a webhook for another channel and update ${fix}`, true);
  }
  return verdictForStatus(status, `Slack webhook answered ${status} ${code}`, retryAfterMs);
}
