// Parsing and validation of the user's window inputs (`maintenance-window`,
// `blackout-dates`, `timezone`). Pure: every bad value becomes an InputError that
// names the input, the offending value and the accepted form.
import { DateTime, IANAZone } from 'luxon'
import { InputError } from '../util/errors.js'

export interface WindowSpec {
  /** luxon weekdays (1 = Mon .. 7 = Sun) on which the window STARTS. */
  days: number[]
  /** Minutes after local midnight, 0..1439. */
  startMinute: number
  /** 1..1440; at or before `startMinute` means the window ends the next day. */
  endMinute: number
  /** Normalised, e.g. `Sat 22:00-04:00`. */
  text: string
}

export interface DateRange {
  /** `YYYY-MM-DD`, inclusive. */
  start: string
  /** `YYYY-MM-DD`, inclusive. */
  end: string
  /** Normalised, e.g. `2026-12-24` or `2026-12-20..2027-01-04`. */
  text: string
}

const WINDOW_FORM =
  "Expected '<days> <HH:MM>-<HH:MM>' with days like Mon, Mon-Fri, Sat,Sun or daily; " +
  "separate windows with ';' or newlines. Example: 'Sat,Sun 02:00-06:00; daily 22:00-23:00'"

const BLACKOUT_FORM =
  'Expected dates or inclusive ranges as YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD, ' +
  "separated by commas, ';' or newlines. Example: '2026-12-24, 2026-12-20..2027-01-04'"

const ZONE_FORM = "Expected an IANA time zone name such as 'UTC', 'Europe/Berlin' or 'America/New_York'"

const DAY_ABBREVIATIONS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const
const DAY_NAMES = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const

function windowError(entry: string, problem: string): InputError {
  return new InputError(`Invalid maintenance-window '${entry}': ${problem}. ${WINDOW_FORM}`)
}

function blackoutError(entry: string, problem: string): InputError {
  return new InputError(`Invalid blackout-dates '${entry}': ${problem}. ${BLACKOUT_FORM}`)
}

/** luxon weekday (1..7) for `mon`/`monday` in any case; undefined otherwise. */
function weekdayOf(name: string): number | undefined {
  const lower = name.toLowerCase()
  const index = DAY_NAMES.findIndex(full => full === lower || full.slice(0, 3) === lower)
  return index < 0 ? undefined : index + 1
}

function abbreviation(weekday: number): string {
  return DAY_ABBREVIATIONS[weekday - 1] ?? '?'
}

/** Returns the weekdays named by `Mon`, `Fri-Mon`, `Sat,Sun`, `daily` and their normalised text. */
function parseDays(entry: string, raw: string): { days: number[]; text: string } {
  // Tolerate `Sat, Sun` and `Mon - Fri`: spaces around separators carry no meaning.
  const compact = raw.trim().replace(/\s*([,-])\s*/g, '$1')
  if (compact.toLowerCase() === 'daily') return { days: [1, 2, 3, 4, 5, 6, 7], text: 'daily' }
  const days = new Set<number>()
  const parts: string[] = []
  for (const token of compact.split(',')) {
    if (token === '') throw windowError(entry, `'${raw.trim()}' has an empty day in its list`)
    const range = token.split('-')
    if (range.length > 2) throw windowError(entry, `'${token}' is not a day or a day range`)
    const names = range.map(name => {
      const day = weekdayOf(name)
      if (day === undefined) throw windowError(entry, `'${name}' is not a day`)
      return day
    })
    const [first, last] = names
    if (first === undefined) throw windowError(entry, `'${token}' is not a day`)
    if (last === undefined) {
      days.add(first)
      parts.push(abbreviation(first))
      continue
    }
    // A range may wrap the end of the week (`Fri-Mon`).
    for (let day = first, steps = 0; steps < 7; steps++) {
      days.add(day)
      if (day === last) break
      day = (day % 7) + 1
    }
    parts.push(`${abbreviation(first)}-${abbreviation(last)}`)
  }
  return { days: [...days].sort((a, b) => a - b), text: parts.join(',') }
}

/** Minutes after midnight for `HH:MM` (`24:00` only when `allow24`). */
function parseTime(entry: string, raw: string, allow24: boolean): number {
  const match = /^(\d{1,2}):(\d{2})$/.exec(raw)
  if (!match) throw windowError(entry, `${raw} is not a time`)
  const hours = Number(match[1])
  const minutes = Number(match[2])
  if (hours === 24 && minutes === 0) {
    if (!allow24) throw windowError(entry, '24:00 can only end a window, not start one')
    return 1440
  }
  if (hours > 23 || minutes > 59) throw windowError(entry, `${raw} is not a time`)
  return hours * 60 + minutes
}

function formatTime(raw: string): string {
  const [hours = '', minutes = ''] = raw.split(':')
  return `${hours.padStart(2, '0')}:${minutes}`
}

function parseWindowEntry(entry: string): WindowSpec {
  const match = /^(.+?)\s+(\S+?)\s*-\s*(\S+)$/.exec(entry)
  if (!match) {
    if (/^\d/.test(entry)) throw windowError(entry, 'the days are missing before the time range')
    if (/\d:\d/.test(entry)) throw windowError(entry, 'the time range needs a start and an end')
    throw windowError(entry, 'the time range is missing')
  }
  const [, rawDays = '', rawStart = '', rawEnd = ''] = match
  const { days, text } = parseDays(entry, rawDays)
  const startMinute = parseTime(entry, rawStart, false)
  let endMinute = parseTime(entry, rawEnd, true)
  // `22:00-00:00` ends at the next midnight; storing it as 1440 keeps endMinute in 1..1440.
  if (endMinute === 0) endMinute = 1440
  return { days, startMinute, endMinute, text: `${text} ${formatTime(rawStart)}-${formatTime(rawEnd)}` }
}

/**
 * Parses `maintenance-window` (not the literal `cluster`, which the caller handles).
 * An end at or before the start crosses midnight; the days name the start day.
 */
export function parseMaintenanceWindow(value: string): WindowSpec[] {
  return value
    .split(/[;\n]/)
    .map(entry => entry.trim())
    .filter(entry => entry.length > 0)
    .map(parseWindowEntry)
}

function parseDate(entry: string, raw: string): string {
  const text = raw.trim()
  const valid = /^\d{4}-\d{2}-\d{2}$/.test(text) && DateTime.fromISO(text, { zone: 'utc' }).isValid
  if (text === '') throw blackoutError(entry, 'a date is missing')
  if (!valid) throw blackoutError(entry, `${text} is not a date`)
  return text
}

/** Parses `blackout-dates`: dates and inclusive `a..b` ranges, as local dates of the window's zone. */
export function parseBlackoutDates(value: string): DateRange[] {
  return value
    .split(/[,;\n]/)
    .map(entry => entry.trim())
    .filter(entry => entry.length > 0)
    .map(entry => {
      const bounds = entry.split('..')
      if (bounds.length > 2) throw blackoutError(entry, 'a range has exactly one ..')
      const start = parseDate(entry, bounds[0] ?? '')
      const end = bounds.length === 2 ? parseDate(entry, bounds[1] ?? '') : start
      // ISO dates compare correctly as strings.
      if (end < start) throw blackoutError(entry, `the range ends (${end}) before it starts (${start})`)
      return { start, end, text: start === end ? start : `${start}..${end}` }
    })
}

// Each check builds an Intl.DateTimeFormat, whose ICU memory lives outside the JS heap and
// is freed late: checked once per zone, not once per window check (thousands per fleet run).
const canonicalZones = new Map<string, string>()

/** Validates `timezone` and returns its canonical spelling (`europe/berlin` -> `Europe/Berlin`). */
export function validateTimeZone(value: string): string {
  const zone = value.trim()
  if (zone === '') return 'UTC'
  const known = canonicalZones.get(zone)
  if (known !== undefined) return known
  if (!IANAZone.isValidZone(zone)) {
    throw new InputError(`Invalid timezone '${value}': not a known time zone. ${ZONE_FORM}`)
  }
  const canonical = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone
  canonicalZones.set(zone, canonical)
  return canonical
}

/** Whether a zone is known, without throwing (memoised like validateTimeZone). */
export function isKnownZone(zone: string): boolean {
  try {
    validateTimeZone(zone)
    return true
  } catch {
    return false
  }
}
