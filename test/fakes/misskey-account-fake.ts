/**
 * The account endpoints of the fake Misskey: notes/show, notes/create, notes/reactions/create,
 * following/create and following/requests/{accept,reject}, with the rules a real Misskey 2026.5
 * applies (recorded in the act-* captures): token permissions (403 PERMISSION_DENIED), who may see
 * a note, notes/create defaulting to public, a reply to a specified note that must stay specified,
 * the server adding the parent's author to a specified reply, ALREADY_REACTED, ALREADY_FOLLOWING,
 * NO_FOLLOW_REQUEST, and 429 RATE_LIMIT_EXCEEDED with Retry-After when told.
 */
export type Visibility = 'public' | 'home' | 'followers' | 'specified';

export interface FakeNote {
  id: string;
  userId: string;
  text: string | null;
  cw: string | null;
  visibility: Visibility;
  visibleUserIds: string[];
  localOnly: boolean;
  replyId: string | null;
}

export interface FakeAccount {
  token: string;
  userId: string;
  /** the token's permissions, e.g. write:notes */
  permissions: Set<string>;
}

export interface AccountState {
  account: FakeAccount;
  notes: Map<string, FakeNote>;
  /** notes made through notes/create, in order */
  created: FakeNote[];
  reactions: { noteId: string; reaction: string }[];
  following: Set<string>;
  /** users who asked to follow the account */
  requests: Set<string>;
}

export const ACCOUNT_ENDPOINTS: Record<string, string | null> = {
  'notes/show': null,
  'notes/create': 'write:notes',
  'notes/reactions/create': 'write:reactions',
  'following/create': 'write:following',
  'following/requests/accept': 'write:following',
  'following/requests/reject': 'write:following',
};

export type Answer = { status: number; body?: unknown; headers?: Record<string, string> };

const error = (status: number, code: string, message: string): Answer => ({
  status,
  body: { error: { message, code, id: '00000000-0000-0000-0000-000000000000', kind: status === 403 ? 'permission' : 'client' } },
});

const invalid = () => error(400, 'INVALID_PARAM', 'Invalid param.');

let sequence = 0;
const newId = () => `fk${Date.now().toString(36)}${(sequence++).toString(36).padStart(4, '0')}`;

function visibleTo(note: FakeNote, userId: string): boolean {
  return note.visibility !== 'specified' || note.userId === userId || note.visibleUserIds.includes(userId);
}

export function answerAccount(state: AccountState, endpoint: string, params: Record<string, unknown>): Answer {
  const needed = ACCOUNT_ENDPOINTS[endpoint];
  if (needed && !state.account.permissions.has(needed)) return error(403, 'PERMISSION_DENIED', 'Your app does not have the necessary permissions to use this endpoint.');
  const me = state.account.userId;
  switch (endpoint) {
    case 'notes/show': {
      const note = typeof params.noteId === 'string' ? state.notes.get(params.noteId) : undefined;
      if (!note || !visibleTo(note, me)) return error(400, 'NO_SUCH_NOTE', 'No such note.');
      return { status: 200, body: { ...note, createdAt: new Date().toISOString() } };
    }
    case 'notes/create':
      return createNote(state, params);
    case 'notes/reactions/create': {
      const note = typeof params.noteId === 'string' ? state.notes.get(params.noteId) : undefined;
      if (typeof params.reaction !== 'string') return invalid();
      if (!note || !visibleTo(note, me)) return error(400, 'NO_SUCH_NOTE', 'No such note.');
      if (state.reactions.some((r) => r.noteId === note.id)) return error(400, 'ALREADY_REACTED', 'You are already reacting to that note.');
      state.reactions.push({ noteId: note.id, reaction: params.reaction });
      return { status: 204 };
    }
    case 'following/create': {
      if (typeof params.userId !== 'string') return invalid();
      if (state.following.has(params.userId)) return error(400, 'ALREADY_FOLLOWING', 'You are already following that user.');
      state.following.add(params.userId);
      return { status: 200, body: { id: params.userId } };
    }
    default: {
      if (typeof params.userId !== 'string') return invalid();
      if (!state.requests.delete(params.userId)) return error(400, 'NO_FOLLOW_REQUEST', 'No follow request.');
      return { status: 204 };
    }
  }
}

function createNote(state: AccountState, params: Record<string, unknown>): Answer {
  const me = state.account.userId;
  if (typeof params.text !== 'string' || params.text.length === 0 || params.text.length > 3000) return invalid();
  const visibility = (params.visibility ?? 'public') as Visibility;
  if (!['public', 'home', 'followers', 'specified'].includes(visibility)) return invalid();
  const parent = typeof params.replyId === 'string' ? state.notes.get(params.replyId) : undefined;
  if (params.replyId !== undefined && (!parent || !visibleTo(parent, me))) return error(400, 'NO_SUCH_REPLY_TARGET', 'No such reply target.');
  if (parent?.visibility === 'specified' && visibility !== 'specified') {
    return error(400, 'CANNOT_REPLY_TO_SPECIFIED_VISIBILITY_NOTE_WITH_EXTENDED_VISIBILITY', 'You cannot reply to a specified visibility note with extended visibility.');
  }
  const listed = Array.isArray(params.visibleUserIds) ? params.visibleUserIds.filter((id): id is string => typeof id === 'string') : [];
  // the server adds the parent's author to a specified reply, nobody else
  const visibleUserIds = visibility === 'specified' ? [...new Set([...listed, ...(parent && parent.userId !== me ? [parent.userId] : [])])] : [];
  const note: FakeNote = {
    id: newId(),
    userId: me,
    text: params.text,
    cw: typeof params.cw === 'string' ? params.cw : null,
    visibility,
    visibleUserIds,
    localOnly: params.localOnly === true,
    replyId: parent?.id ?? null,
  };
  state.notes.set(note.id, note);
  state.created.push(note);
  return { status: 200, body: { createdNote: note } };
}
