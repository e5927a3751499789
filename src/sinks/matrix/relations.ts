import type { Delivery } from '../../deliver/sink';
import type { MessageRef } from '../../store/messages';
import type { MatrixMessageContent } from './content';

/** the fallback `body` of an edit, for clients without edit support: `* ` and the start of the new text */
const EDIT_FALLBACK_CHARS = 1000;

/** A message event's content with its relations: thread (with a reply fallback) or replacement. */
export type RelatedContent = MatrixMessageContent | EditContent | (MatrixMessageContent & { 'm.relates_to': ThreadRelation });

interface ThreadRelation {
  rel_type: 'm.thread';
  event_id: string;
  is_falling_back: true;
  'm.in_reply_to': { event_id: string };
}

interface EditContent {
  msgtype: MatrixMessageContent['msgtype'];
  body: string;
  'm.new_content': MatrixMessageContent;
  'm.relates_to': { rel_type: 'm.replace'; event_id: string };
  'm.mentions': MatrixMessageContent['m.mentions'];
}

/**
 * An edit replaces the original event (`m.replace`; the new content in `m.new_content`, the body a
 * `* …` fallback); a reply goes into the thread of its parent's root (`m.thread`), with
 * `m.in_reply_to` to the parent as the fallback for clients without threads.
 */
export function withRelations(content: MatrixMessageContent, delivery: Pick<Delivery, 'thread' | 'edit'>): RelatedContent {
  if (delivery.edit) {
    return {
      msgtype: content.msgtype,
      body: `* ${content.body.slice(0, EDIT_FALLBACK_CHARS)}`,
      'm.new_content': content,
      'm.relates_to': { rel_type: 'm.replace', event_id: delivery.edit.id },
      'm.mentions': content['m.mentions'],
    };
  }
  if (delivery.thread) {
    const root = threadRoot(delivery.thread);
    return { ...content, 'm.relates_to': { rel_type: 'm.thread', event_id: root, is_falling_back: true, 'm.in_reply_to': { event_id: delivery.thread.id } } };
  }
  return content;
}

/** The reference of what was sent: an edit keeps standing for the original event (later edits replace that one). */
export function sentRef(eventId: string, roomId: string, delivery: Pick<Delivery, 'thread' | 'edit'>): MessageRef {
  if (delivery.edit) return delivery.edit;
  const thread = delivery.thread ? threadRoot(delivery.thread) : undefined;
  return { platform: 'matrix', id: eventId, channel: roomId, ...(thread ? { thread } : {}) };
}

const threadRoot = (parent: MessageRef): string => parent.thread ?? parent.id;
