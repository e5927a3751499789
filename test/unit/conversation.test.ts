import { conversationOf as of } from '../../src/deliver/conversation';

/** the payload is a stored event; only the fields read here matter */
const conversationOf = (job: { event: string; payload: unknown }) => of(job as Parameters<typeof of>[0]);
const reply = (parent: Record<string, unknown>) => ({ event: 'reply', payload: { note: { id: 'child', reply: { id: 'parent', ...parent } } } });

describe('conversationOf', () => {
  it('names the parent’s conversation after its CW, else its text, else its author', () => {
    expect(conversationOf(reply({ cw: 'Spoilers', text: 'the butler did it' }))).toEqual({
      posts: 'note:child',
      replyTo: 'note:parent',
      edits: null,
      topic: 'Spoilers',
    });
    expect(conversationOf(reply({ cw: null, text: ' $[tada Big]  news\n\u202eagain ' })).topic).toBe('Big news again');
    expect(conversationOf(reply({ text: 'see [1] and $[x2 wow]' })).topic).toBe('see [1 and wow');
    expect(conversationOf(reply({ text: 'see [1] here' })).topic).toBe('see [1] here');
    expect(conversationOf(reply({ text: null, user: { name: null, username: 'alice' } })).topicAuthor).toBe('alice');
    expect(conversationOf(reply({ text: '' })).topic).toBeUndefined();
    expect(conversationOf(reply({ text: 'x'.repeat(500) })).topic).toHaveLength(200);
  });

  it('finds the note a fork event changes: the whole note, `{ noteId }` or `{ note: { id } }`', () => {
    expect(conversationOf({ event: 'edited', payload: { note: { id: 'n1', text: 'new' } } }).edits).toBe('note:n1');
    expect(conversationOf({ event: 'noteDeleted', payload: { note: null, noteId: 'n2' } }).edits).toBe('note:n2');
    expect(conversationOf({ event: 'noteDeleted', payload: { note: { id: 'n3' } } }).edits).toBe('note:n3');
    expect(conversationOf({ event: 'noteDeleted', payload: { note: null } }).edits).toBeNull();
    // a note that merely carries an id is not an edit of it
    expect(conversationOf({ event: 'note', payload: { note: { id: 'n4' } } })).toMatchObject({ posts: 'note:n4', edits: null });
  });
});
