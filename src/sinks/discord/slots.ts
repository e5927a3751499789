/**
 * A piece of text that may have to be shortened to fit a limit shared with other pieces
 * (Discord's 6000 characters over all embeds, 2000 of content), remembering its full length so
 * every shortening can be reported.
 */
export class TextSlot {
  private current: string;

  constructor(
    /** where it lands in the request, for the log: `embeds[2].description` */
    readonly path: string,
    readonly full: string,
    private readonly shorten: (text: string, limit: number) => string,
    limit: number,
    /** shortest it may get: 1 for required fields, 0 for optional ones */
    readonly min = 0,
  ) {
    this.current = full.length <= limit ? full : shorten(full, limit);
  }

  get value(): string {
    return this.current;
  }

  get length(): number {
    return this.current.length;
  }

  limitTo(limit: number): void {
    if (limit < this.current.length) this.current = this.shorten(this.full, Math.max(limit, this.min));
  }

  get shortened(): boolean {
    return this.current !== this.full;
  }
}

export const sumLengths = (slots: TextSlot[]) => slots.reduce((sum, slot) => sum + slot.length, 0);

/** Slots that give way together, none below `floor` (nor below its own minimum). */
export interface ShrinkGroup {
  slots: TextSlot[];
  floor?: number;
}

/**
 * Shrinks the slots until `total()` is within `limit`: the first group in proportion to each
 * slot's length, then the next group if that was not enough, and so on.
 */
export function shrinkToFit(groups: ShrinkGroup[], total: () => number, limit: number): void {
  for (const { slots, floor = 0 } of groups) {
    const lowest = (slot: TextSlot) => Math.max(slot.min, Math.min(floor, slot.full.length));
    for (let pass = 0; pass < 4; pass++) {
      const excess = total() - limit;
      if (excess <= 0) return;
      const room = slots.map((slot) => Math.max(0, slot.length - lowest(slot)));
      const roomTotal = room.reduce((a, b) => a + b, 0);
      if (roomTotal === 0) break;
      slots.forEach((slot, i) => {
        const share = room[i] ?? 0;
        if (share > 0) slot.limitTo(Math.max(lowest(slot), slot.length - Math.ceil((excess * share) / roomTotal)));
      });
    }
  }
}

/** What had to give to fit Discord's limits, logged as a warning. */
export interface FitNote {
  field: string;
  /** characters before and after, for shortened text */
  from?: number;
  to?: number;
  /** how many items were left out (images, fields) */
  dropped?: number;
  why?: string;
}

export function shortenedNotes(slots: Iterable<TextSlot>): FitNote[] {
  const notes: FitNote[] = [];
  for (const slot of slots) {
    if (slot.shortened) notes.push({ field: slot.path, from: slot.full.length, to: slot.length });
  }
  return notes;
}
