import type { Delivery, Verdict } from '../../deliver/sink';
import type { SlackContent } from './blocks';

/** One way of posting to Slack: Web API (bot token) or incoming webhook. */
export interface SlackTransport {
  /** the destination, without secrets */
  readonly lane: string;
  start(): Promise<void>;
  /** the exact request body `post` sends for this content */
  body(content: SlackContent): object;
  /**
   * one request, never retried here; `thread` and `edit` (bot mode only) post into a thread or
   * update an earlier message
   */
  post(content: SlackContent, conversation?: Pick<Delivery, 'thread' | 'edit'>): Promise<Verdict>;
  close(): Promise<void>;
}
