import { describeFailure, MisskeyApi, type ApiFailure, type ApiResult } from './misskey-api';

/**
 * The account's everyday actions, with its own token (`sources.<name>.account.token`): only the
 * permissions the enabled actions need — write:notes (reply), write:reactions (react),
 * write:following (follow back, accept or reject a request).
 */
export type Visibility = 'public' | 'home' | 'followers' | 'specified';

/** What a reply must keep of its parent, as the server has it (not as a webhook said). */
export interface ParentNote {
  id: string;
  userId: string;
  visibility: Visibility;
  visibleUserIds: string[];
  localOnly: boolean;
  cw: string | null;
}

export type NoteResult = { ok: true; noteId: string } | ApiFailure;

export class MisskeyAccount {
  private readonly api: MisskeyApi;

  constructor(
    /** origin of the Misskey server: links to new notes are built from it */
    readonly server: string,
    token: string,
    timeoutMs?: number,
  ) {
    this.api = new MisskeyApi(server, token, timeoutMs);
  }

  async showNote(noteId: string): Promise<{ ok: true; note: ParentNote } | ApiFailure> {
    const result = await this.api.call('notes/show', { noteId });
    if (!result.ok) return result;
    const note = parentNote(result.body);
    return note ? { ok: true, note } : { ok: false, status: result.status, message: 'Misskey answered notes/show with something that is not a note' };
  }

  /** posts `text` exactly as given, as a reply that is never seen by more people than its parent */
  async reply(parent: ParentNote, text: string, cw: string | null): Promise<NoteResult> {
    const result = await this.api.call('notes/create', { text, replyId: parent.id, ...replyVisibility(parent), ...(cw !== null ? { cw } : {}) });
    if (!result.ok) return result;
    const id = (result.body as { createdNote?: { id?: unknown } } | undefined)?.createdNote?.id;
    return typeof id === 'string' ? { ok: true, noteId: id } : { ok: false, status: result.status, message: 'Misskey created the note but did not say its id' };
  }

  react(noteId: string, reaction: string): Promise<ApiResult> {
    return this.api.call('notes/reactions/create', { noteId, reaction });
  }

  follow(userId: string): Promise<ApiResult> {
    return this.api.call('following/create', { userId });
  }

  answerRequest(userId: string, accept: boolean): Promise<ApiResult> {
    return this.api.call(accept ? 'following/requests/accept' : 'following/requests/reject', { userId });
  }

  noteUrl(noteId: string): string {
    return `${this.server.replace(/\/+$/, '')}/notes/${noteId}`;
  }
}

/**
 * notes/create defaults to public: the parent's visibility is always given. A specified reply
 * lists the parent's recipients and its author (the server would add the author, nobody else).
 */
export function replyVisibility(parent: ParentNote): Record<string, unknown> {
  const base = { visibility: parent.visibility, ...(parent.localOnly ? { localOnly: true } : {}) };
  if (parent.visibility !== 'specified') return base;
  return { ...base, visibleUserIds: [...new Set([...parent.visibleUserIds, parent.userId])] };
}

const VISIBILITIES: readonly string[] = ['public', 'home', 'followers', 'specified'];

function parentNote(body: unknown): ParentNote | undefined {
  const note = body as Record<string, unknown> | undefined;
  if (typeof note?.id !== 'string' || typeof note.userId !== 'string' || !VISIBILITIES.includes(note.visibility as string)) return undefined;
  const visibleUserIds = Array.isArray(note.visibleUserIds) ? note.visibleUserIds.filter((id): id is string => typeof id === 'string') : [];
  return {
    id: note.id,
    userId: note.userId,
    visibility: note.visibility as Visibility,
    visibleUserIds,
    localOnly: note.localOnly === true,
    cw: typeof note.cw === 'string' ? note.cw : null,
  };
}

const PLAIN_WORDS: Record<string, string> = {
  NO_SUCH_NOTE: 'the note is gone, or this account cannot see it',
  NO_SUCH_REPLY_TARGET: 'the note is gone, or this account cannot see it',
  CANNOT_REPLY_TO_AN_INVISIBLE_NOTE: 'this account cannot reply to a note it cannot see',
  CANNOT_REPLY_TO_SPECIFIED_VISIBILITY_NOTE_WITH_EXTENDED_VISIBILITY: 'a reply to a direct note must stay direct',
  PERMISSION_DENIED: 'the account token lacks the permission for this',
  ROLE_PERMISSION_DENIED: 'the account is not allowed to do this on its server',
  AUTHENTICATION_FAILED: 'Misskey refused the account token (revoked or wrong)',
  NO_SUCH_USER: 'the user is gone',
  NO_FOLLOW_REQUEST: 'there is no such follow request (already answered?)',
  YOU_HAVE_BEEN_BLOCKED: 'this user blocks the account',
  BLOCKING: 'the account blocks this user',
};

/** Misskey's error in plain words, with Misskey's own message and code for whoever digs further. */
export function plainFailure(result: ApiFailure): string {
  if (result.code === 'RATE_LIMIT_EXCEEDED') {
    const wait = result.retryAfterSec !== undefined ? ` try again in ${result.retryAfterSec} s` : ' try again later';
    return `the account's rate limit at Misskey is reached:${wait} (RATE_LIMIT_EXCEEDED)`;
  }
  const words = result.code ? PLAIN_WORDS[result.code] : undefined;
  if (result.status === 0) return `${result.message}: Misskey may or may not have done it, check before trying again`;
  return words ? `${words} — Misskey: ${describeFailure(result)}` : `Misskey answered: ${describeFailure(result)}`;
}
