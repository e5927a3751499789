import type { StreamItem } from './backfill';

/**
 * Live items stored in batches, in the order they came: what arrives while a batch is stored
 * goes into the next one, so a burst costs one commit per batch, not one per frame. After a
 * failed batch nothing more is stored: the cursor must not pass it, and the next backfill reads
 * it again.
 */
export class LiveBatches {
  private pending: StreamItem[] = [];
  private loop: Promise<void> = Promise.resolve();
  private running = false;
  private broken = false;

  constructor(
    private readonly store: (items: StreamItem[]) => Promise<number>,
    private readonly onFailure: (error: unknown) => void,
  ) {}

  push(...items: StreamItem[]): void {
    if (this.broken) return;
    this.pending.push(...items);
    if (!this.running) this.loop = this.drain();
  }

  /** resolves once everything pushed so far is stored (or a batch failed) */
  settled(): Promise<void> {
    return this.loop;
  }

  private async drain(): Promise<void> {
    this.running = true;
    while (this.pending.length > 0 && !this.broken) {
      const batch = this.pending.splice(0);
      try {
        await this.store(batch);
      } catch (error) {
        this.broken = true;
        this.onFailure(error);
      }
    }
    this.running = false;
  }
}
