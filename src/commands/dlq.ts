import type { DeadLetterSelector, Queue } from '../queue/queue';
import { printable } from './printable';
import { withStore } from './store';

export interface DlqOptions {
  config?: string;
  sink?: string;
  all?: boolean;
}

function selector(ids: string[], options: DlqOptions): DeadLetterSelector {
  if (options.all) return { all: true };
  if (options.sink) return { sink: options.sink };
  if (ids.length > 0) return { ids };
  throw new Error('name dead letters by id, or use --sink NAME or --all');
}

export function dlqList(options: DlqOptions): Promise<string> {
  return withStore(options.config, async (queue) => {
    const letters = await queue.deadLetters(options.sink);
    if (letters.length === 0) return 'no dead letters';
    return letters
      .map((letter) =>
        [
          letter.id,
          `  sink ${letter.sink} · event ${letter.event} (${letter.eventId}) · route ${letter.route}`,
          `  failed ${new Date(letter.failedAt).toISOString()} after ${letter.attempts} attempt(s): ${letter.error}`,
        ]
          .map(printable)
          .join('\n'),
      )
      .join('\n');
  });
}

/** Queues dead letters again; answers what the operator is told (the CLI and the operations page). */
export async function retryDeadLetters(store: Pick<Queue, 'retryDead'>, selected: DeadLetterSelector): Promise<string> {
  return `${await store.retryDead(selected, Date.now())} dead letter(s) queued again`;
}

/** Deletes dead letters; answers what the operator is told. */
export async function dropDeadLetters(store: Pick<Queue, 'dropDead'>, selected: DeadLetterSelector): Promise<string> {
  return `${await store.dropDead(selected)} dead letter(s) dropped`;
}

export function dlqRetry(ids: string[], options: DlqOptions): Promise<string> {
  return withStore(options.config, (queue) => retryDeadLetters(queue, selector(ids, options)));
}

export function dlqDrop(ids: string[], options: DlqOptions): Promise<string> {
  return withStore(options.config, (queue) => dropDeadLetters(queue, selector(ids, options)));
}
