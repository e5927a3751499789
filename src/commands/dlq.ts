import type { DeadLetterSelector } from '../store/dead-letters';
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
  return withStore(options.config, async (store) => {
    const letters = await store.deadLetters.list(options.sink);
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

export function dlqRetry(ids: string[], options: DlqOptions): Promise<string> {
  return withStore(options.config, async (store) => `${await store.deadLetters.retry(selector(ids, options), Date.now())} dead letter(s) queued again`);
}

export function dlqDrop(ids: string[], options: DlqOptions): Promise<string> {
  return withStore(options.config, async (store) => `${await store.deadLetters.drop(selector(ids, options))} dead letter(s) dropped`);
}
