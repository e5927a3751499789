/**
 * The actions an abuse report card carries, named the same way on every platform: a Discord
 * button's custom_id and a Slack button's action_id are `mkb:<action>:<source>:<reportId>`.
 * Source names are `[A-Za-z0-9_.-]`; Misskey ids are alphanumeric: neither contains a colon.
 */
export type ModerationAction = 'resolve' | 'forward';

const PREFIX = 'mkb';
const ID = /^mkb:(resolve|forward):([A-Za-z0-9][A-Za-z0-9_.-]*):([A-Za-z0-9_-]{1,64})$/;

export function actionId(action: ModerationAction, source: string, reportId: string): string {
  return `${PREFIX}:${action}:${source}:${reportId}`;
}

export function parseActionId(id: unknown): { action: ModerationAction; source: string; reportId: string } | null {
  if (typeof id !== 'string') return null;
  const match = ID.exec(id);
  if (!match) return null;
  return { action: match[1] as ModerationAction, source: match[2]!, reportId: match[3]! };
}

/**
 * The account's actions on note and follow cards: `mkb:<action>:<source>:<id>` where the id is the
 * note's (reply, react) or the user's (follow, accept, reject); a reaction button adds the index of
 * the reaction in the sink's list (`mkb:react:<source>:<noteId>:<index>`), so no emoji travels in an id.
 */
export type AccountAction = 'reply' | 'react' | 'follow' | 'accept' | 'reject';

const ACCOUNT_ID = /^mkb:(reply|react|follow|accept|reject):([A-Za-z0-9][A-Za-z0-9_.-]*):([A-Za-z0-9_-]{1,64})(?::(\d{1,2}))?$/;

export interface AccountActionId {
  action: AccountAction;
  source: string;
  /** the note (reply, react) or the user (follow, accept, reject) */
  subject: string;
  /** react: the index of the reaction in the sink's list */
  index?: number;
}

export function accountActionId(action: AccountAction, source: string, subject: string, index?: number): string {
  return `${PREFIX}:${action}:${source}:${subject}${index !== undefined ? `:${index}` : ''}`;
}

export function parseAccountActionId(id: unknown): AccountActionId | null {
  if (typeof id !== 'string') return null;
  const match = ACCOUNT_ID.exec(id);
  if (!match) return null;
  const action = match[1] as AccountAction;
  // a reaction names its index, nothing else does
  if ((action === 'react') !== (match[4] !== undefined)) return null;
  return { action, source: match[2]!, subject: match[3]!, ...(match[4] !== undefined ? { index: Number(match[4]) } : {}) };
}
