// The maintenance-window gate: may an operation of a given class start on a cluster
// now, and if not, why and when next? Pure: the clock is a parameter.
//
// Time-zone decisions (see time.ts for the mechanics):
// - User windows are wall-clock times in `timezone` and follow its DST. A start (or end)
//   in the missing hour of a spring-forward change begins at the first instant after
//   the gap; one in the repeated hour of a fall-back change uses the earlier occurrence.
//   A window spans wall-clock time, so 22:00-04:00 lasts 5 or 7 real hours on DST nights.
// - `blackout-dates` are local dates in `timezone`, also with `maintenance-window: cluster`
//   (the input belongs to the user, not to the cluster's utcOffset).
// - AKS schedules use their fixed `utcOffset` (no DST); the legacy `default` slots are UTC.
import { DateTime } from 'luxon'
import type { MaintenanceConfig, UpgradeKind, WindowDecision } from '../model.js'
import { evaluate, mergeIntervals, type Evaluation, type Interval, type WindowSource } from './evaluate.js'
import { aksSchedule, legacySchedule, specSource, userBlackouts, type AksSchedule } from './sources.js'
import { isKnownZone, validateTimeZone, type DateRange, type WindowSpec } from './spec.js'
import { DAY_MS, MINUTE_MS } from '../util/duration.js'

export type WindowSetting = { mode: 'none' } | { mode: 'spec'; windows: WindowSpec[] } | { mode: 'cluster' }

export interface GateOptions {
  window: WindowSetting
  /** IANA zone of the user's windows and blackout dates. */
  timezone: string
  blackouts: DateRange[]
  minWindowLeftMinutes: number
}

/** How far ahead `nextOpen` is searched. */
const HORIZON_MS = 400 * DAY_MS

/** Which AKS configuration gates which class of operation. */
const AKS_SCHEDULE: Record<UpgradeKind, string> = {
  'node-image': 'aksManagedNodeOSUpgradeSchedule',
  patch: 'aksManagedAutoUpgradeSchedule',
  minor: 'aksManagedAutoUpgradeSchedule'
}

interface Context {
  /** `the maintenance window Sat 22:00-04:00 (Europe/Berlin)` for a window's label. */
  windowName: (label: string) => string
  /** The whole schedule, for "outside ...". */
  scheduleName: string
  minLeftMinutes: number
}

function findConfig(configs: MaintenanceConfig[], name: string): MaintenanceConfig | undefined {
  // ARM resource names are case-insensitive.
  return configs.find(config => config.name.toLowerCase() === name.toLowerCase())
}

/**
 * The cluster's schedule for an upgrade class: the specific aksManaged* configuration,
 * else the legacy `default` one. A specific configuration that cannot be read does not
 * fall back to `default`: AKS itself would not use `default` for that class either.
 */
function clusterSchedule(configs: MaintenanceConfig[] | undefined, upgradeClass: UpgradeKind): { schedule: AksSchedule } | { problem: string } {
  const name = AKS_SCHEDULE[upgradeClass]
  const specific = configs ? findConfig(configs, name) : undefined
  if (specific?.maintenanceWindow) {
    const schedule = aksSchedule(name, specific.maintenanceWindow)
    if (schedule) return { schedule }
    return { problem: `the cluster's ${name} configuration has a maintenance window this action cannot read` }
  }
  const fallback = configs ? findConfig(configs, 'default') : undefined
  const schedule = fallback ? legacySchedule(fallback) : undefined
  if (schedule) return { schedule }
  return {
    problem: `maintenance-window is 'cluster' but the cluster has no ${name} configuration and no default configuration with timeInWeek`
  }
}

function iso(ms: number): string | undefined {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined
}

function minutesText(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / MINUTE_MS))
  return minutes === 1 ? '1 minute' : `${minutes} minutes`
}

function toDecision(result: Evaluation, now: number, context: Context | undefined): WindowDecision {
  switch (result.state) {
    case 'open': {
      const decision: WindowDecision = { open: true, detail: 'no maintenance window configured' }
      if (context && result.window) {
        decision.detail = `inside ${context.windowName(result.window.label)}`
        if (result.cutBy) decision.detail += `, until ${result.cutBy.label} begins`
        const closesAt = iso(result.usableEnd)
        if (closesAt) decision.closesAt = closesAt
      }
      return decision
    }
    case 'blackout': {
      const decision: WindowDecision = { open: false, reason: 'blackout', detail: `within ${result.blackout.label}` }
      return withNextOpen(decision, result.nextOpen)
    }
    case 'outside': {
      const decision: WindowDecision = {
        open: false,
        reason: 'outside-window',
        detail: `outside ${context?.scheduleName ?? 'the maintenance window'}`
      }
      return withNextOpen(decision, result.nextOpen)
    }
    case 'ending': {
      const left = minutesText(result.usableEnd - now)
      const before = result.cutBy ? ` before ${result.cutBy.label}` : ''
      const name = context ? context.windowName(result.window.label) : 'the maintenance window'
      const decision: WindowDecision = {
        open: false,
        reason: 'window-ending',
        detail: `only ${left} left${before} in ${name}; min-window-left-minutes is ${context?.minLeftMinutes ?? 0}`
      }
      return withNextOpen(decision, result.nextOpen)
    }
  }
}

function withNextOpen(decision: WindowDecision, nextOpen: number | undefined): WindowDecision {
  const text = nextOpen === undefined ? undefined : iso(nextOpen)
  if (text) decision.nextOpen = text
  return decision
}

/** Can an operation of this class start on this cluster at `now`? Pure. */
export function checkWindow(
  options: GateOptions,
  maintenanceConfigs: MaintenanceConfig[] | undefined,
  upgradeClass: UpgradeKind,
  now: Date
): WindowDecision {
  const zone = validateTimeZone(options.timezone)
  const nowMs = now.getTime()
  const minLeftMinutes = Number.isFinite(options.minWindowLeftMinutes) && options.minWindowLeftMinutes > 0 ? options.minWindowLeftMinutes : 0
  const blackouts: Interval[] = userBlackouts(options.blackouts, zone)
  const setting = options.window

  if (setting.mode === 'none' || (setting.mode === 'spec' && setting.windows.length === 0)) {
    // No window has no end, so min-window-left-minutes does not apply.
    return toDecision(evaluate('always', mergeIntervals(blackouts), 0, nowMs, HORIZON_MS), nowMs, undefined)
  }

  let source: WindowSource
  let context: Context
  if (setting.mode === 'spec') {
    source = specSource(setting.windows, zone)
    const plural = setting.windows.length > 1 ? 's' : ''
    context = {
      windowName: label => `the maintenance window ${label} (${zone})`,
      scheduleName: `the maintenance window${plural} ${source.description}`,
      minLeftMinutes
    }
  } else {
    const found = clusterSchedule(maintenanceConfigs, upgradeClass)
    if ('problem' in found) return { open: false, reason: 'no-cluster-schedule', detail: found.problem }
    source = found.schedule.source
    blackouts.push(...found.schedule.blackouts)
    context = {
      windowName: label => `the AKS maintenance window ${label}`,
      scheduleName: `the AKS maintenance window ${source.description}`,
      minLeftMinutes
    }
  }
  const result = evaluate(source, mergeIntervals(blackouts), minLeftMinutes * MINUTE_MS, nowMs, HORIZON_MS)
  return toDecision(result, nowMs, context)
}

/** The zone's abbreviation (CET, EDT); luxon's depends on the locale, so try two. */
function zoneAbbreviation(value: DateTime): string {
  const american = value.setLocale('en-US').offsetNameShort ?? ''
  if (!/^GMT[+-]/.test(american)) return american
  const british = value.setLocale('en-GB').offsetNameShort ?? ''
  return /^GMT[+-]/.test(british) || british === '' ? american : british
}

function relative(ms: number): string {
  const minutes = Math.round(Math.abs(ms) / MINUTE_MS)
  if (minutes === 0) return 'now'
  const hours = Math.round(minutes / 60)
  const days = Math.round(minutes / 1440)
  const amount =
    minutes < 60 ? `${minutes} minute${minutes === 1 ? '' : 's'}` : hours < 48 ? `${hours} hour${hours === 1 ? '' : 's'}` : `${days} days`
  return ms > 0 ? `in ${amount}` : `${amount} ago`
}

/** Human text for an instant in the user's zone plus relative time, e.g. 'Sat 2026-11-28 22:00 CET (in 37 hours)'. */
export function describeInstant(iso: string, timezone: string, now: Date): string {
  const zone = isKnownZone(timezone) ? timezone : 'UTC'
  const value = DateTime.fromISO(iso, { zone })
  if (!value.isValid) return iso
  const text = value.setLocale('en-US').toFormat('ccc yyyy-MM-dd HH:mm')
  return `${text} ${zoneAbbreviation(value)} (${relative(value.toMillis() - now.getTime())})`
}
