/**
 * Quiet hours: a daily window of wall-clock time in an IANA zone. The window's end is found in
 * the zone's own calendar, so it stays at the configured local time across DST changes (from one
 * end to the next is then 23 or 25 hours).
 */

export interface QuietWindow {
  /** `HH:MM` */
  from: string;
  /** `HH:MM`; before `from` means the window spans midnight */
  to: string;
  timeZone: string;
}

/** A wall-clock date and time in some zone. */
export interface WallTime {
  year: number;
  /** 1–12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/** The wall-clock time in `timeZone` at the instant `at` (ms since the epoch). */
export function wallTime(at: number, timeZone: string): WallTime {
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(at)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour! % 24, minute: parts.minute!, second: parts.second! };
}

/** the wall time written as if it were UTC: comparable, and easy to do calendar sums on */
function asUtc(wall: WallTime): number {
  return Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
}

/** how far the zone's clock is ahead of UTC at the instant `at` */
function offsetAt(at: number, timeZone: string): number {
  const whole = Math.floor(at / 1000) * 1000;
  return asUtc(wallTime(whole, timeZone)) - whole;
}

/**
 * The instants at which the zone's clock shows `wall`, earliest first: one as a rule, two in the
 * hour repeated when clocks go back, and in the hour skipped when clocks go forward none; then
 * the instant the skipped time would have been with the earlier offset, which the clock shows
 * as that time plus the jump (02:30 → 03:30), as calendars do.
 */
export function instantsOf(wall: WallTime, timeZone: string): number[] {
  const local = asUtc(wall);
  const offsets = [...new Set([offsetAt(local - DAY_MS, timeZone), offsetAt(local + DAY_MS, timeZone)])];
  const valid = offsets.map((offset) => local - offset).filter((at) => asUtc(wallTime(at, timeZone)) === local);
  if (valid.length > 0) return [...new Set(valid)].sort((a, b) => a - b);
  return [local - offsets[0]!];
}

function minutesOf(time: string): number {
  const [hours, minutes] = time.split(':').map(Number);
  return hours! * 60 + minutes!;
}

/**
 * When `now` falls inside the window: the instant the window ends (the next time the zone's
 * clock shows `to`). Otherwise null.
 */
export function quietUntil(window: QuietWindow, now: number): number | null {
  const wall = wallTime(now, window.timeZone);
  const minute = wall.hour * 60 + wall.minute;
  const from = minutesOf(window.from);
  const to = minutesOf(window.to);
  const inside = from < to ? minute >= from && minute < to : minute >= from || minute < to;
  if (!inside) return null;
  // a window spanning midnight entered before midnight ends on the next calendar day
  const nextDay = from > to && minute >= from;
  const date = new Date(Date.UTC(wall.year, wall.month - 1, wall.day + (nextDay ? 1 : 0)));
  const end: WallTime = {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: Math.floor(to / 60),
    minute: to % 60,
    second: 0,
  };
  return instantsOf(end, window.timeZone).find((at) => at > now) ?? null;
}
