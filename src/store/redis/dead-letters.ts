import type { DeadLetter, DeadLetterSelector, DeadLetterStore } from '../dead-letters';
import type { RedisContext } from './client';
import { toDeadLetter, type Field } from './rows';

export class RedisDeadLetters implements DeadLetterStore {
  constructor(private readonly r: RedisContext) {}

  async list(sink?: string): Promise<DeadLetter[]> {
    const rows = (await this.r.script('dead-letters', ...(sink === undefined ? [] : [sink]))) as Field[][];
    return rows.map(toDeadLetter);
  }

  async retry(selector: DeadLetterSelector, now: number): Promise<number> {
    return this.settle('retry', selector, now);
  }

  async drop(selector: DeadLetterSelector): Promise<number> {
    return this.settle('drop', selector, 0);
  }

  private async settle(action: 'retry' | 'drop', selector: DeadLetterSelector, now: number): Promise<number> {
    const target = 'ids' in selector ? ['ids', ...new Set(selector.ids)] : 'sink' in selector ? ['sink', selector.sink] : ['all'];
    return Number(await this.r.script('settle-dead', action, now, ...target));
  }
}
