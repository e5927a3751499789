import { instantsOf, quietUntil, wallTime } from '../../src/route/quiet-hours';

const HOUR = 3_600_000;
const at = (iso: string) => Date.parse(iso);
const BERLIN_NIGHT = { from: '22:00', to: '07:00', timeZone: 'Europe/Berlin' };

describe('quiet hours', () => {
  it('holds inside the window until its end, and nothing outside it', () => {
    // 23:00 CET (winter, UTC+1)
    expect(quietUntil(BERLIN_NIGHT, at('2026-01-14T22:00:00Z'))).toBe(at('2026-01-15T06:00:00Z'));
    // 03:00 CET, after midnight: the same morning
    expect(quietUntil(BERLIN_NIGHT, at('2026-01-15T02:00:00Z'))).toBe(at('2026-01-15T06:00:00Z'));
    // 06:59:59 is still inside, 07:00 is not
    expect(quietUntil(BERLIN_NIGHT, at('2026-01-15T05:59:59Z'))).toBe(at('2026-01-15T06:00:00Z'));
    expect(quietUntil(BERLIN_NIGHT, at('2026-01-15T06:00:00Z'))).toBeNull();
    // 12:00 and 21:59 CET
    expect(quietUntil(BERLIN_NIGHT, at('2026-01-15T11:00:00Z'))).toBeNull();
    expect(quietUntil(BERLIN_NIGHT, at('2026-01-15T20:59:59Z'))).toBeNull();
    // 22:00 CET exactly starts it
    expect(quietUntil(BERLIN_NIGHT, at('2026-01-15T21:00:00Z'))).toBe(at('2026-01-16T06:00:00Z'));
  });

  it('handles a window within one day', () => {
    const lunch = { from: '12:00', to: '13:30', timeZone: 'UTC' };
    expect(quietUntil(lunch, at('2026-05-01T12:15:00Z'))).toBe(at('2026-05-01T13:30:00Z'));
    expect(quietUntil(lunch, at('2026-05-01T13:30:00Z'))).toBeNull();
    expect(quietUntil(lunch, at('2026-05-01T11:59:00Z'))).toBeNull();
  });

  it('ends at 07:00 local on the night clocks go forward (Europe/Berlin, 29 March 2026): 23 hours after the previous end', () => {
    // 23:00 CET on 28 March; the night loses an hour at 02:00 → 03:00
    const end = quietUntil(BERLIN_NIGHT, at('2026-03-28T22:00:00Z'))!;
    expect(end).toBe(at('2026-03-29T05:00:00Z')); // 07:00 CEST
    expect(wallTime(end, 'Europe/Berlin')).toMatchObject({ day: 29, hour: 7, minute: 0 });
    const previousEnd = quietUntil(BERLIN_NIGHT, at('2026-03-28T05:00:00Z'))!; // 06:00 CET on 28 March
    expect(previousEnd).toBe(at('2026-03-28T06:00:00Z'));
    expect(end - previousEnd).toBe(23 * HOUR);
    // held at 01:30 CET and at 03:30 CEST alike: the same end
    expect(quietUntil(BERLIN_NIGHT, at('2026-03-29T00:30:00Z'))).toBe(end);
    expect(quietUntil(BERLIN_NIGHT, at('2026-03-29T01:30:00Z'))).toBe(end);
    // the day after, 24 hours again
    expect(quietUntil(BERLIN_NIGHT, at('2026-03-29T22:00:00Z'))! - end).toBe(24 * HOUR);
  });

  it('ends at 07:00 local on the night clocks go back (Europe/Berlin, 25 October 2026): 25 hours after the previous end', () => {
    const end = quietUntil(BERLIN_NIGHT, at('2026-10-24T21:00:00Z'))!; // 23:00 CEST
    expect(end).toBe(at('2026-10-25T06:00:00Z')); // 07:00 CET
    const previousEnd = quietUntil(BERLIN_NIGHT, at('2026-10-24T04:00:00Z'))!; // 06:00 CEST on 24 October
    expect(previousEnd).toBe(at('2026-10-24T05:00:00Z'));
    expect(end - previousEnd).toBe(25 * HOUR);
    // 02:30 happens twice that night: both times inside, with the same end
    expect(quietUntil(BERLIN_NIGHT, at('2026-10-25T00:30:00Z'))).toBe(end);
    expect(quietUntil(BERLIN_NIGHT, at('2026-10-25T01:30:00Z'))).toBe(end);
  });

  it('ends in the repeated hour at its second occurrence when the first is already past', () => {
    const early = { from: '01:00', to: '02:30', timeZone: 'Europe/Berlin' };
    // 02:10 CET, the second 02:10 of 25 October 2026: the first 02:30 (CEST) is past
    expect(quietUntil(early, at('2026-10-25T01:10:00Z'))).toBe(at('2026-10-25T01:30:00Z'));
    // 02:10 CEST, the first: ends at the first 02:30
    expect(quietUntil(early, at('2026-10-25T00:10:00Z'))).toBe(at('2026-10-25T00:30:00Z'));
  });

  it('an end in the skipped hour comes when the clock jumps past it', () => {
    const early = { from: '01:00', to: '02:30', timeZone: 'Europe/Berlin' };
    // 01:15 CET on 29 March 2026: 02:30 never shows; the window ends at the jump to 03:00 CEST + 30 min
    expect(quietUntil(early, at('2026-03-29T00:15:00Z'))).toBe(at('2026-03-29T01:30:00Z'));
    expect(instantsOf({ year: 2026, month: 3, day: 29, hour: 2, minute: 30, second: 0 }, 'Europe/Berlin')).toEqual([at('2026-03-29T01:30:00Z')]);
    expect(instantsOf({ year: 2026, month: 10, day: 25, hour: 2, minute: 30, second: 0 }, 'Europe/Berlin')).toEqual([
      at('2026-10-25T00:30:00Z'),
      at('2026-10-25T01:30:00Z'),
    ]);
  });

  it('works in zones far from UTC and on the southern hemisphere', () => {
    const tokyo = { from: '22:00', to: '07:00', timeZone: 'Asia/Tokyo' };
    expect(quietUntil(tokyo, at('2026-06-30T14:00:00Z'))).toBe(at('2026-06-30T22:00:00Z')); // 23:00 JST → 07:00 JST
    const sydney = { from: '22:00', to: '07:00', timeZone: 'Australia/Sydney' };
    // clocks go back on 5 April 2026 at 03:00 AEDT → 02:00 AEST
    expect(quietUntil(sydney, at('2026-04-04T12:00:00Z'))).toBe(at('2026-04-04T21:00:00Z')); // 07:00 AEST
  });
});
