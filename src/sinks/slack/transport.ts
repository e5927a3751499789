import type { Verdict } from '../sink';
import type { SlackContent } from './blocks';

/** One way of posting to Slack: Web API (bot token) or incoming webhook. */
export interface SlackTransport {
  /** the destination, without secrets */
  readonly lane: string;
  start(): Promise<void>;
  /** the exact request body `post` sends for this content */
  body(content: SlackContent): object;
  /** one request, never retried here */
  post(content: SlackContent): Promise<Verdict>;
  close(): Promise<void>;
}
