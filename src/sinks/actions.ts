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
