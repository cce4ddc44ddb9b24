// Calendar and wall-clock helpers on top of luxon. All time-zone arithmetic goes
// through luxon; calendar dates are handled as UTC DateTimes so that adding days
// never meets a DST change.
import { DateTime, type Zone } from 'luxon'

export interface CalendarDate {
  year: number
  month: number
  day: number
}

function utcDate(date: CalendarDate): DateTime {
  return DateTime.utc(date.year, date.month, date.day)
}

function fromUtc(value: DateTime): CalendarDate {
  return { year: value.year, month: value.month, day: value.day }
}

/** `YYYY-MM-DD` (also the date part of a longer ISO string) -> date; undefined when invalid. */
export function parseIsoDate(text: string): CalendarDate | undefined {
  // The Azure SDK deserializes `date` fields into Date objects (AKS-API-NOTES §5.4); the
  // model says string, but a Date passed through unconverted must not be misread.
  const raw: unknown = text
  const source = raw instanceof Date ? (Number.isNaN(raw.getTime()) ? '' : raw.toISOString()) : String(raw)
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(source)
  if (!match) return undefined
  const value = DateTime.utc(Number(match[1]), Number(match[2]), Number(match[3]))
  return value.isValid && value.toISODate() === match[0] ? fromUtc(value) : undefined
}

export function isoDate(date: CalendarDate): string {
  return utcDate(date).toISODate() ?? ''
}

export function addDays(date: CalendarDate, days: number): CalendarDate {
  return fromUtc(utcDate(date).plus({ days }))
}

/** Whole days from `a` to `b` (negative when b is earlier). */
export function daysBetween(a: CalendarDate, b: CalendarDate): number {
  return Math.round(utcDate(b).diff(utcDate(a), 'days').days)
}

/** Calendar months from a's month to b's month. */
export function monthsBetween(a: CalendarDate, b: CalendarDate): number {
  return (b.year - a.year) * 12 + (b.month - a.month)
}

export function compareDates(a: CalendarDate, b: CalendarDate): number {
  return a.year - b.year || a.month - b.month || a.day - b.day
}

/** luxon weekday: 1 = Monday .. 7 = Sunday. */
export function weekday(date: CalendarDate): number {
  return utcDate(date).weekday
}

export function daysInMonth(year: number, month: number): number {
  return DateTime.utc(year, month, 1).daysInMonth ?? 31
}

/** The local calendar date of an instant in a zone. */
export function localDate(ms: number, zone: Zone): CalendarDate {
  const value = DateTime.fromMillis(ms, { zone })
  return { year: value.year, month: value.month, day: value.day }
}

/**
 * The instant at which a zone's wall clock shows `minuteOfDay` (0..1440; 1440 is the
 * next midnight) on `date`. Wall-clock times that a DST change makes ambiguous:
 * - in the missing hour (spring forward) the time begins at the first instant after
 *   the gap (Europe/Berlin 2026-03-29 02:30 -> 03:00 CEST), not luxon's default of
 *   shifting by the gap's length (03:30), so a window keeps as much of itself as exists;
 * - in the repeated hour (fall back) the earlier, first occurrence is used.
 */
export function wallClockInstant(zone: Zone, date: CalendarDate, minuteOfDay: number): DateTime {
  const day = minuteOfDay >= 1440 ? addDays(date, 1) : date
  const minute = minuteOfDay >= 1440 ? minuteOfDay - 1440 : minuteOfDay
  const wanted = { ...day, hour: Math.floor(minute / 60), minute: minute % 60 }
  const value = DateTime.fromObject(wanted, { zone })
  const shown = value.day === wanted.day && value.hour === wanted.hour && value.minute === wanted.minute
  if (!shown) return endOfGap(value)
  let earliest = value
  for (const candidate of value.getPossibleOffsets()) {
    if (candidate.toMillis() < earliest.toMillis()) earliest = candidate
  }
  return earliest
}

/**
 * luxon resolves a wall time inside a DST gap to an instant after the gap; the change
 * of offset (the gap's end) lies at most the gap's length before it. Walk back to it.
 */
function endOfGap(shifted: DateTime): DateTime {
  let candidate = shifted
  // A gap is at most a day long (Pacific/Apia skipped 2011-12-30); bound the walk.
  for (let step = 0; step < 1440; step++) {
    const previous = candidate.minus({ minutes: 1 })
    if (previous.offset !== shifted.offset) return candidate
    candidate = previous
  }
  return shifted
}
