import { sampleEvents } from '../normalize/samples';
import { eventActor, eventName, type Event } from '../normalize/event';
import { InvalidPayloadError, normalize } from '../normalize/normalize';
import { RECENT_EVENTS } from '../store/recent';

/** What the payload picker offers: a bundled sample, one of the events the bridge received, or pasted JSON. */
export type PayloadChoice = { kind: 'sample'; name: string } | { kind: 'recent'; index: number } | { kind: 'json'; json: string };

export class PayloadError extends Error {
  override readonly name = 'PayloadError';
  constructor(
    message: string,
    readonly details: unknown[] = [],
  ) {
    super(message);
  }
}

export class EventSources {
  readonly samples: Map<string, Event>;

  constructor(
    private readonly source: string,
    private readonly recentFromStore: (limit: number) => Promise<Event[]>,
  ) {
    this.samples = sampleEvents(source);
  }

  recent(): Promise<Event[]> {
    return this.recentFromStore(RECENT_EVENTS);
  }

  async resolve(choice: PayloadChoice): Promise<Event> {
    if (choice.kind === 'sample') {
      const event = this.samples.get(choice.name);
      if (!event) throw new PayloadError(`no sample event "${choice.name}"`);
      return event;
    }
    if (choice.kind === 'recent') {
      const event = (await this.recent())[choice.index];
      if (!event) throw new PayloadError('that event is no longer among the recent ones');
      return event;
    }
    let payload: unknown;
    try {
      payload = JSON.parse(choice.json);
    } catch (error) {
      throw new PayloadError(`not JSON: ${(error as Error).message}`);
    }
    try {
      return normalize({ source: this.source, payload });
    } catch (error) {
      if (error instanceof InvalidPayloadError) throw new PayloadError(error.message, error.details);
      throw error;
    }
  }
}

/** One line for the picker: type, who, when. */
export function describeEvent(event: Event): string {
  const actor = eventActor(event);
  return [eventName(event), actor ? actor.acct : undefined, event.createdAt].filter(Boolean).join(' · ');
}
