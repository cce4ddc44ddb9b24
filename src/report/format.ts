// Times in the operator's zone and "in N hours" relative to the run (never to the wall
// clock, so a report re-rendered later says the same thing).
import { DateTime } from 'luxon'

function inZone(iso: string, zone: string): DateTime | null {
  const dt = DateTime.fromISO(iso, { zone, locale: 'en-GB' })
  if (dt.isValid) return dt
  // An unknown zone name must not hide the time: fall back to UTC.
  const utc = DateTime.fromISO(iso, { zone: 'utc', locale: 'en-GB' })
  return utc.isValid ? utc : null
}

// A fleet report formats the same few instants thousands of times, and luxon's formatting
// goes through Intl each time: remember the answers (pure, so caching cannot change them).
const instants = new Map<string, string>()

/** `Sat 28 Nov 2026, 22:00 CET`; the input as it is when it is no ISO instant. */
export function formatInstant(iso: string, zone: string): string {
  const key = `${zone}|${iso}`
  const cached = instants.get(key)
  if (cached !== undefined) return cached
  const dt = inZone(iso, zone)
  const text = dt ? `${dt.toFormat('ccc d LLL yyyy, HH:mm')} ${zoneAbbreviation(dt)}` : iso
  if (instants.size > 10_000) instants.clear()
  instants.set(key, text)
  return text
}

// Abbreviations depend on the locale's data (en-US knows EST but not CET, en-GB the other
// way round); take whichever names the zone instead of printing a bare GMT offset.
function zoneAbbreviation(dt: DateTime): string {
  const us = dt.setLocale('en-US').toFormat('ZZZZ')
  if (!us.startsWith('GMT')) return us
  const gb = dt.setLocale('en-GB').toFormat('ZZZZ')
  return gb.startsWith('GMT') ? us : gb
}

/** `2026-11-23` in the given zone. */
export function formatDate(iso: string, zone: string): string {
  const dt = inZone(iso, zone)
  return dt ? dt.toFormat('yyyy-LL-dd') : iso.slice(0, 10)
}

/** The zone name luxon resolved (`UTC` when the configured one is unknown). */
export function zoneName(iso: string, zone: string): string {
  return inZone(iso, zone)?.zoneName ?? 'UTC'
}

/** `in 43 hours` / `in 25 minutes` / `in 5 days` / `now`, measured from `fromIso`. */
export function formatRelative(iso: string, fromIso: string): string {
  const target = Date.parse(iso)
  const from = Date.parse(fromIso)
  if (Number.isNaN(target) || Number.isNaN(from)) return ''
  const minutes = Math.round((target - from) / 60_000)
  if (minutes <= 0) return 'now'
  if (minutes < 60) return `in ${minutes} minute${minutes === 1 ? '' : 's'}`
  const hours = Math.round(minutes / 60)
  if (hours < 72) return `in ${hours} hour${hours === 1 ? '' : 's'}`
  const days = Math.round(hours / 24)
  return `in ${days} days`
}

/** `42 min`, `1 h 5 min`; empty when either end is missing. */
export function formatDuration(startIso: string | undefined, endIso: string | undefined): string {
  if (!startIso || !endIso) return ''
  const ms = Date.parse(endIso) - Date.parse(startIso)
  if (Number.isNaN(ms) || ms < 0) return ''
  const minutes = Math.round(ms / 60_000)
  if (minutes < 1) return '< 1 min'
  if (minutes < 60) return `${minutes} min`
  const h = Math.floor(minutes / 60)
  const m = minutes % 60
  return m === 0 ? `${h} h` : `${h} h ${m} min`
}
