// Window occurrences and blackout intervals for each kind of schedule: the user's
// `maintenance-window`, AKS's aksManaged* maintenance windows and the legacy
// `default` configuration (timeInWeek / notAllowedTime).
import { FixedOffsetZone, IANAZone, type Zone } from 'luxon'
import type { AksMaintenanceWindow, MaintenanceConfig, TimeInWeek } from '../model.js'
import type { DateRange, WindowSpec } from './spec.js'
import type { Interval, WindowSource } from './evaluate.js'
import { HOUR_MS } from '../util/duration.js'
import { plural } from '../util/text.js'
import {
  addDays,
  compareDates,
  daysBetween,
  daysInMonth,
  isoDate,
  localDate,
  monthsBetween,
  parseIsoDate,
  wallClockInstant,
  weekday,
  type CalendarDate
} from './time.js'

/** Local dates whose occurrences may start in [from, to) (one day of slack on each side). */
function datesCovering(from: number, to: number, zone: Zone): CalendarDate[] {
  const dates: CalendarDate[] = []
  const last = addDays(localDate(to, zone), 1)
  for (let date = addDays(localDate(from, zone), -1); compareDates(date, last) <= 0; date = addDays(date, 1)) {
    dates.push(date)
  }
  return dates
}

function inRange(interval: Interval, from: number, to: number): boolean {
  return interval.start >= from && interval.start < to
}

/** Midnight-to-midnight local intervals for inclusive date ranges. */
function dateRangeIntervals(ranges: Array<{ start: string; end: string; label: string }>, zone: Zone): Interval[] {
  const intervals: Interval[] = []
  for (const range of ranges) {
    const start = parseIsoDate(range.start)
    const end = parseIsoDate(range.end)
    if (!start || !end) continue
    intervals.push({
      start: wallClockInstant(zone, start, 0).toMillis(),
      end: wallClockInstant(zone, end, 1440).toMillis(),
      label: range.label
    })
  }
  return intervals
}

// ---------------------------------------------------------------------------
// The user's windows

/** The user's `maintenance-window` in `zoneName` (an IANA zone; windows follow its DST). */
export function specSource(windows: WindowSpec[], zoneName: string): WindowSource {
  const zone = IANAZone.create(zoneName)
  return {
    description: `${windows.map(w => w.text).join('; ')} (${zoneName})`,
    between(from, to) {
      const occurrences: Interval[] = []
      for (const date of datesCovering(from, to, zone)) {
        const day = weekday(date)
        for (const spec of windows) {
          if (!spec.days.includes(day)) continue
          // The span is wall-clock: a 22:00-04:00 window lasts 5 or 7 real hours over a DST night.
          const endMinute = spec.endMinute > spec.startMinute ? spec.endMinute : spec.endMinute + 1440
          const occurrence = {
            start: wallClockInstant(zone, date, spec.startMinute).toMillis(),
            end: wallClockInstant(zone, date, endMinute).toMillis(),
            label: spec.text
          }
          if (inRange(occurrence, from, to)) occurrences.push(occurrence)
        }
      }
      return occurrences.sort((a, b) => a.start - b.start)
    }
  }
}

/** The user's `blackout-dates`, local dates in `zoneName`. */
export function userBlackouts(ranges: DateRange[], zoneName: string): Interval[] {
  const zone = IANAZone.create(zoneName)
  return dateRangeIntervals(
    ranges.map(r => ({ start: r.start, end: r.end, label: `blackout-dates ${r.text} (${zoneName})` })),
    zone
  )
}

// ---------------------------------------------------------------------------
// AKS planned maintenance (aksManagedAutoUpgradeSchedule / aksManagedNodeOSUpgradeSchedule)

const WEEKDAYS: Record<string, number> = {
  monday: 1,
  tuesday: 2,
  wednesday: 3,
  thursday: 4,
  friday: 5,
  saturday: 6,
  sunday: 7
}
const WEEK_INDEX: Record<string, number> = { first: 1, second: 2, third: 3, fourth: 4, last: 5 }
const EPOCH: CalendarDate = { year: 1970, month: 1, day: 1 }

type Schedule =
  | { kind: 'daily'; interval: number }
  | { kind: 'weekly'; interval: number; dayOfWeek: number }
  | { kind: 'absoluteMonthly'; interval: number; dayOfMonth: number }
  | { kind: 'relativeMonthly'; interval: number; weekIndex: number; dayOfWeek: number }

function interval(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 ? value : undefined
}

function dayOfWeek(value: unknown): number | undefined {
  return typeof value === 'string' ? WEEKDAYS[value.toLowerCase()] : undefined
}

/** The one schedule of a maintenance window, or undefined when it is unreadable. */
function readSchedule(schedule: AksMaintenanceWindow['schedule']): Schedule | undefined {
  if (schedule.daily) {
    const every = interval(schedule.daily.intervalDays)
    return every === undefined ? undefined : { kind: 'daily', interval: every }
  }
  if (schedule.weekly) {
    const every = interval(schedule.weekly.intervalWeeks)
    const day = dayOfWeek(schedule.weekly.dayOfWeek)
    return every === undefined || day === undefined ? undefined : { kind: 'weekly', interval: every, dayOfWeek: day }
  }
  if (schedule.absoluteMonthly) {
    const every = interval(schedule.absoluteMonthly.intervalMonths)
    const day = schedule.absoluteMonthly.dayOfMonth
    const valid = every !== undefined && Number.isInteger(day) && day >= 1 && day <= 31
    return valid ? { kind: 'absoluteMonthly', interval: every, dayOfMonth: day } : undefined
  }
  if (schedule.relativeMonthly) {
    const every = interval(schedule.relativeMonthly.intervalMonths)
    // Wire data: a field AKS calls required may still be missing; unreadable means no window.
    const weekIndex: unknown = schedule.relativeMonthly.weekIndex
    const index = typeof weekIndex === 'string' ? WEEK_INDEX[weekIndex.toLowerCase()] : undefined
    const day = dayOfWeek(schedule.relativeMonthly.dayOfWeek)
    const valid = every !== undefined && index !== undefined && day !== undefined
    return valid ? { kind: 'relativeMonthly', interval: every, weekIndex: index, dayOfWeek: day } : undefined
  }
  return undefined
}

/** Sunday that starts the week of `date` (AKS counts weeks Sunday to Saturday). */
function sundayOf(date: CalendarDate): CalendarDate {
  return addDays(date, -(weekday(date) % 7))
}

/** The day of `year-month` on which a monthly schedule falls. */
function monthlyDay(schedule: Schedule, year: number, month: number): number | undefined {
  const length = daysInMonth(year, month)
  if (schedule.kind === 'absoluteMonthly') {
    // Decision: dayOfMonth 29-31 in a shorter month falls on that month's last day
    // rather than skipping the month (AKS does not document the case; skipping would
    // silently leave a cluster without any window for a month or more).
    return Math.min(schedule.dayOfMonth, length)
  }
  if (schedule.kind === 'relativeMonthly') {
    const first = weekday({ year, month, day: 1 })
    const firstMatch = 1 + ((schedule.dayOfWeek - first + 7) % 7)
    if (schedule.weekIndex <= 4) return firstMatch + 7 * (schedule.weekIndex - 1)
    let last = firstMatch
    while (last + 7 <= length) last += 7
    return last
  }
  return undefined
}

/** Does the schedule (ignoring its interval and anchor) fall on `date`? */
function matchesDay(schedule: Schedule, date: CalendarDate): boolean {
  switch (schedule.kind) {
    case 'daily':
      return true
    case 'weekly':
      return weekday(date) === schedule.dayOfWeek
    case 'absoluteMonthly':
    case 'relativeMonthly':
      return monthlyDay(schedule, date.year, date.month) === date.day
  }
}

/**
 * Does an occurrence start on `date`? Occurrences before the anchor do not exist, and
 * intervals count from it: days from the anchor, Sunday-to-Saturday weeks from the
 * anchor's week, months from the anchor's month. (Azure/AKS#5720: every 2 weeks on
 * Sunday from Tuesday 2026-04-14 first opens on 2026-04-26, i.e. the Sunday of the
 * anchor's own week, 2026-04-12, counts as week 0 although it precedes the anchor.)
 */
function occursOn(schedule: Schedule, anchor: CalendarDate, date: CalendarDate): boolean {
  if (compareDates(date, anchor) < 0 || !matchesDay(schedule, date)) return false
  switch (schedule.kind) {
    case 'daily':
      return daysBetween(anchor, date) % schedule.interval === 0
    case 'weekly':
      return (daysBetween(sundayOf(anchor), sundayOf(date)) / 7) % schedule.interval === 0
    case 'absoluteMonthly':
    case 'relativeMonthly':
      return monthsBetween(anchor, date) % schedule.interval === 0
  }
}

/**
 * The anchor of interval counting: `startDate`, or, when a configuration has none
 * (AKS fills it in on creation, so only hand-made data lacks it), the schedule's first
 * matching day on or after the Unix epoch, 1970-01-01.
 */
function anchorOf(schedule: Schedule, startDate: string | undefined): CalendarDate {
  const given = startDate === undefined ? undefined : parseIsoDate(startDate)
  if (given) return given
  let date = EPOCH
  // Every schedule matches some day within two months of the epoch.
  for (let step = 0; step < 62 && !matchesDay(schedule, date); step++) date = addDays(date, 1)
  return date
}

function offsetZone(utcOffset: string | undefined): { zone: Zone; text: string } | undefined {
  const offset = utcOffset === undefined || utcOffset === '' ? '+00:00' : utcOffset
  if (!/^[+-]\d{2}:\d{2}$/.test(offset)) return undefined
  const zone = FixedOffsetZone.parseSpecifier(`UTC${offset}`)
  if (!zone.isValid) return undefined
  return { zone, text: offset === '+00:00' || offset === '-00:00' ? 'UTC' : `UTC${offset}` }
}

const DAY_TITLES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday']
const INDEX_TITLES = ['first', 'second', 'third', 'fourth', 'last']

function dayTitle(day: number): string {
  return DAY_TITLES[day - 1] ?? '?'
}

/** `every month`, `every 3 months`. */
function recurrence(count: number, unit: string): string {
  return `every ${count === 1 ? unit : plural(count, unit)}`
}

function describeSchedule(schedule: Schedule): string {
  switch (schedule.kind) {
    case 'daily':
      return schedule.interval === 1 ? 'daily' : `every ${schedule.interval} days`
    case 'weekly':
      return schedule.interval === 1 ? `every ${dayTitle(schedule.dayOfWeek)}` : `every ${schedule.interval} weeks on ${dayTitle(schedule.dayOfWeek)}`
    case 'absoluteMonthly':
      return `day ${schedule.dayOfMonth} of ${recurrence(schedule.interval, 'month')}`
    case 'relativeMonthly':
      return `${INDEX_TITLES[schedule.weekIndex - 1] ?? '?'} ${dayTitle(schedule.dayOfWeek)} of ${recurrence(schedule.interval, 'month')}`
  }
}

/** `YYYY-MM-DD` of a wire date (or of a Date the SDK produced); the raw text when unreadable. */
function dateText(value: string): string {
  const date = parseIsoDate(value)
  return date ? isoDate(date) : String(value)
}

export interface AksSchedule {
  source: WindowSource
  blackouts: Interval[]
}

/**
 * An aksManaged* maintenance window as occurrences plus its notAllowedDates. The times
 * are in the fixed `utcOffset` (no DST). Undefined when the window cannot be read.
 */
export function aksSchedule(name: string, window: AksMaintenanceWindow): AksSchedule | undefined {
  const schedule = readSchedule(window.schedule)
  const offset = offsetZone(window.utcOffset)
  const time = /^(\d{2}):(\d{2})$/.exec(window.startTime)
  if (!schedule || !offset || !time) return undefined
  const startMinute = Number(time[1]) * 60 + Number(time[2])
  const hours = typeof window.durationHours === 'number' && window.durationHours > 0 ? window.durationHours : 24
  if (startMinute >= 1440) return undefined
  const anchor = anchorOf(schedule, window.startDate)
  const description = `${name}: ${describeSchedule(schedule)} at ${window.startTime} for ${hours}h (${offset.text})`
  const source: WindowSource = {
    description,
    between(from, to) {
      const occurrences: Interval[] = []
      for (const date of datesCovering(from, to, offset.zone)) {
        if (!occursOn(schedule, anchor, date)) continue
        const start = wallClockInstant(offset.zone, date, startMinute).toMillis()
        const occurrence = { start, end: start + hours * HOUR_MS, label: description }
        if (inRange(occurrence, from, to)) occurrences.push(occurrence)
      }
      return occurrences
    }
  }
  const blackouts = dateRangeIntervals(
    (window.notAllowedDates ?? []).map(span => {
      const start = dateText(span.start)
      const end = dateText(span.end)
      const range = start === end ? start : `${start}..${end}`
      return { start, end, label: `notAllowedDates ${range} of ${name} (${offset.text})` }
    }),
    offset.zone
  )
  return { source, blackouts }
}

// ---------------------------------------------------------------------------
// Legacy `default` configuration

function legacyHours(timeInWeek: TimeInWeek[]): Map<number, number[]> {
  const byDay = new Map<number, Set<number>>()
  for (const entry of timeInWeek) {
    const day = dayOfWeek(entry.day)
    if (day === undefined) continue
    const hours = byDay.get(day) ?? new Set<number>()
    for (const hour of entry.hourSlots) if (Number.isInteger(hour) && hour >= 0 && hour <= 23) hours.add(hour)
    byDay.set(day, hours)
  }
  const sorted = new Map<number, number[]>()
  for (const [day, hours] of byDay)
    if (hours.size > 0)
      sorted.set(
        day,
        [...hours].sort((a, b) => a - b)
      )
  return sorted
}

/** Consecutive hour slots as [startHour, endHour) runs. */
function runs(hours: number[]): Array<[number, number]> {
  const result: Array<[number, number]> = []
  for (const hour of hours) {
    const last = result[result.length - 1]
    if (last && last[1] === hour) last[1] = hour + 1
    else result.push([hour, hour + 1])
  }
  return result
}

function hh(hour: number): string {
  return `${String(hour).padStart(2, '0')}:00`
}

/** Epoch ms of an ISO instant; also accepts a Date the Azure SDK may have produced. */
function instant(text: string): number {
  const value: unknown = text
  return value instanceof Date ? value.getTime() : Date.parse(text)
}

/**
 * The legacy `default` configuration: one-hour UTC slots per weekday (unions; adjacent
 * slots, also across midnight, form one window) and notAllowedTime instants.
 * Undefined when it has no usable slot.
 */
export function legacySchedule(config: MaintenanceConfig): AksSchedule | undefined {
  const hoursByDay = legacyHours(config.timeInWeek ?? [])
  if (hoursByDay.size === 0) return undefined
  const utc = FixedOffsetZone.utcInstance
  const summary = [...hoursByDay.entries()]
    .sort(([a], [b]) => a - b)
    .map(
      ([day, hours]) =>
        `${dayTitle(day).slice(0, 3)} ${runs(hours)
          .map(([s, e]) => `${hh(s)}-${hh(e)}`)
          .join(',')}`
    )
    .join('; ')
  const description = `${config.name}: ${summary} (UTC)`
  const source: WindowSource = {
    description,
    between(from, to) {
      const occurrences: Interval[] = []
      for (const date of datesCovering(from, to, utc)) {
        for (const [startHour, endHour] of runs(hoursByDay.get(weekday(date)) ?? [])) {
          const occurrence = {
            start: wallClockInstant(utc, date, startHour * 60).toMillis(),
            end: wallClockInstant(utc, date, endHour * 60).toMillis(),
            label: description
          }
          if (inRange(occurrence, from, to)) occurrences.push(occurrence)
        }
      }
      return occurrences
    }
  }
  const blackouts: Interval[] = []
  for (const span of config.notAllowedTime ?? []) {
    const start = instant(span.start)
    const end = instant(span.end)
    if (Number.isNaN(start) || Number.isNaN(end)) continue
    const range = `${new Date(start).toISOString()}..${new Date(end).toISOString()}`
    blackouts.push({ start, end, label: `notAllowedTime ${range} of ${config.name}` })
  }
  return { source, blackouts }
}
