import { describe, expect, it } from 'vitest'
import { checkWindow, type GateOptions } from '../../src/window/gate.ts'
import { parseBlackoutDates } from '../../src/window/spec.ts'
import type { AksMaintenanceWindow, MaintenanceConfig, UpgradeKind, WindowDecision } from '../../src/model.ts'

const NODE_OS = 'aksManagedNodeOSUpgradeSchedule'
const AUTO = 'aksManagedAutoUpgradeSchedule'

function cluster(blackouts = '', minWindowLeftMinutes = 30, timezone = 'UTC'): GateOptions {
  return { window: { mode: 'cluster' }, timezone, blackouts: parseBlackoutDates(blackouts), minWindowLeftMinutes }
}

function managed(name: string, maintenanceWindow: AksMaintenanceWindow): MaintenanceConfig {
  return { name, maintenanceWindow }
}

function summary(decision: WindowDecision): { open: boolean; reason?: string; closesAt?: string; nextOpen?: string } {
  const { open, reason, closesAt, nextOpen } = decision
  return { open, reason, closesAt, nextOpen }
}

const open = (closesAt: string) => ({ open: true, reason: undefined, closesAt, nextOpen: undefined })
const closed = (reason: string, nextOpen: string | undefined) => ({ open: false, reason, closesAt: undefined, nextOpen })

interface Case {
  name: string
  window: AksMaintenanceWindow
  now: string
  want: ReturnType<typeof open> | ReturnType<typeof closed>
}

function run(window: AksMaintenanceWindow, now: string, options = cluster()): WindowDecision {
  return checkWindow(options, [managed(NODE_OS, window)], 'node-image', new Date(now))
}

// 2026-11-28 is a Saturday.
const weeklySunday: AksMaintenanceWindow = {
  schedule: { weekly: { intervalWeeks: 1, dayOfWeek: 'Sunday' } },
  durationHours: 4,
  utcOffset: '+02:00',
  startDate: '2026-01-01',
  startTime: '01:00'
}

// From MaintenanceConfigurationsList_MaintenanceWindow.json: every 5 days from 2023-01-01,
// 13:30 at -07:00 (20:30Z) for 10 hours. 2026-11-26 is 1425 days (285 x 5) after the anchor.
const exampleDaily: AksMaintenanceWindow = {
  schedule: { daily: { intervalDays: 5 } },
  durationHours: 10,
  startDate: '2023-01-01',
  startTime: '13:30',
  utcOffset: '-07:00'
}

// From the same example: day 15 of every 3 months from 2023-01 (Jan, Apr, Jul, Oct) at 08:30 UTC for 5 hours.
const exampleMonthly: AksMaintenanceWindow = {
  durationHours: 5,
  notAllowedDates: [
    { end: '2023-02-25', start: '2023-02-18' },
    { end: '2024-01-05', start: '2023-12-23' }
  ],
  schedule: { absoluteMonthly: { dayOfMonth: 15, intervalMonths: 3 } },
  startDate: '2023-01-01',
  startTime: '08:30',
  utcOffset: '+00:00'
}

const utcWindow = (schedule: AksMaintenanceWindow['schedule'], startDate?: string): AksMaintenanceWindow => {
  const window: AksMaintenanceWindow = { schedule, durationHours: 4, startTime: '00:00' }
  if (startDate !== undefined) window.startDate = startDate
  return window
}

describe('checkWindow: AKS schedules', () => {
  const cases: Case[] = [
    // Sunday 01:00+02:00 is Saturday 23:00Z.
    { name: 'weekly, before', window: weeklySunday, now: '2026-11-28T12:00:00Z', want: closed('outside-window', '2026-11-28T23:00:00.000Z') },
    { name: 'weekly, inside', window: weeklySunday, now: '2026-11-29T00:00:00Z', want: open('2026-11-29T03:00:00.000Z') },
    { name: 'weekly, ending', window: weeklySunday, now: '2026-11-29T02:45:00Z', want: closed('window-ending', '2026-12-05T23:00:00.000Z') },
    // Azure/AKS#5720: every 2 weeks on Sunday from Tuesday 2026-04-14 first opens on 2026-04-26.
    {
      name: 'weekly every 2 weeks, first',
      window: utcWindow({ weekly: { intervalWeeks: 2, dayOfWeek: 'Sunday' } }, '2026-04-14'),
      now: '2026-04-15T00:00:00Z',
      want: closed('outside-window', '2026-04-26T00:00:00.000Z')
    },
    {
      name: 'weekly every 2 weeks, second',
      window: utcWindow({ weekly: { intervalWeeks: 2, dayOfWeek: 'Sunday' } }, '2026-04-14'),
      now: '2026-04-26T05:00:00Z',
      want: closed('outside-window', '2026-05-10T00:00:00.000Z')
    },
    {
      name: 'weekly every 3 weeks on Wednesday',
      window: utcWindow({ weekly: { intervalWeeks: 3, dayOfWeek: 'Wednesday' } }, '2026-04-14'),
      now: '2026-04-16T00:00:00Z',
      want: closed('outside-window', '2026-05-06T00:00:00.000Z')
    },
    {
      name: 'daily every 5 days, before',
      window: exampleDaily,
      now: '2026-11-28T12:00:00Z',
      want: closed('outside-window', '2026-12-01T20:30:00.000Z')
    },
    { name: 'daily every 5 days, inside', window: exampleDaily, now: '2026-11-26T21:00:00Z', want: open('2026-11-27T06:30:00.000Z') },
    { name: 'daily every 5 days, 30 minutes left', window: exampleDaily, now: '2026-11-27T06:00:00Z', want: open('2026-11-27T06:30:00.000Z') },
    {
      name: 'daily every 5 days, 29 minutes left',
      window: exampleDaily,
      now: '2026-11-27T06:01:00Z',
      want: closed('window-ending', '2026-12-01T20:30:00.000Z')
    },
    {
      name: 'daily, start date in the future',
      window: utcWindow({ daily: { intervalDays: 1 } }, '2026-12-10'),
      now: '2026-11-28T12:00:00Z',
      want: closed('outside-window', '2026-12-10T00:00:00.000Z')
    },
    {
      name: 'absoluteMonthly every 3 months',
      window: exampleMonthly,
      now: '2026-11-28T12:00:00Z',
      want: closed('outside-window', '2027-01-15T08:30:00.000Z')
    },
    { name: 'absoluteMonthly every 3 months, inside', window: exampleMonthly, now: '2026-10-15T09:00:00Z', want: open('2026-10-15T13:30:00.000Z') },
    {
      name: 'absoluteMonthly, a month off the interval',
      window: exampleMonthly,
      now: '2026-11-15T09:00:00Z',
      want: closed('outside-window', '2027-01-15T08:30:00.000Z')
    },
    // Day 31 falls on the last day of shorter months.
    {
      name: 'absoluteMonthly 31st in November',
      window: utcWindow({ absoluteMonthly: { intervalMonths: 1, dayOfMonth: 31 } }, '2026-01-01'),
      now: '2026-11-01T00:00:00Z',
      want: closed('outside-window', '2026-11-30T00:00:00.000Z')
    },
    {
      name: 'absoluteMonthly 31st in December',
      window: utcWindow({ absoluteMonthly: { intervalMonths: 1, dayOfMonth: 31 } }, '2026-01-01'),
      now: '2026-12-01T00:00:00Z',
      want: closed('outside-window', '2026-12-31T00:00:00.000Z')
    },
    {
      name: 'absoluteMonthly 31st in February',
      window: utcWindow({ absoluteMonthly: { intervalMonths: 1, dayOfMonth: 31 } }, '2026-01-01'),
      now: '2027-02-01T00:00:00Z',
      want: closed('outside-window', '2027-02-28T00:00:00.000Z')
    },
    {
      name: 'absoluteMonthly 30th in a leap February',
      window: utcWindow({ absoluteMonthly: { intervalMonths: 1, dayOfMonth: 30 } }, '2026-01-01'),
      now: '2028-02-01T00:00:00Z',
      want: closed('outside-window', '2028-02-29T00:00:00.000Z')
    },
    {
      name: 'absoluteMonthly 29th in February',
      window: utcWindow({ absoluteMonthly: { intervalMonths: 1, dayOfMonth: 29 } }, '2026-01-01'),
      now: '2027-02-01T00:00:00Z',
      want: closed('outside-window', '2027-02-28T00:00:00.000Z')
    },
    // November 2026 has five Sundays (1, 8, 15, 22, 29) and four Fridays (6..27).
    {
      name: 'relativeMonthly Last Sunday',
      window: utcWindow({ relativeMonthly: { intervalMonths: 1, weekIndex: 'Last', dayOfWeek: 'Sunday' } }, '2026-01-01'),
      now: '2026-11-02T00:00:00Z',
      want: closed('outside-window', '2026-11-29T00:00:00.000Z')
    },
    {
      name: 'relativeMonthly Fourth Sunday',
      window: utcWindow({ relativeMonthly: { intervalMonths: 1, weekIndex: 'Fourth', dayOfWeek: 'Sunday' } }, '2026-01-01'),
      now: '2026-11-02T00:00:00Z',
      want: closed('outside-window', '2026-11-22T00:00:00.000Z')
    },
    {
      name: 'relativeMonthly Last Friday, +05:30',
      window: {
        schedule: { relativeMonthly: { intervalMonths: 1, weekIndex: 'Last', dayOfWeek: 'Friday' } },
        durationHours: 6,
        startTime: '22:00',
        utcOffset: '+05:30',
        startDate: '2026-01-01'
      },
      now: '2026-11-28T00:00:00Z',
      want: closed('outside-window', '2026-12-25T16:30:00.000Z')
    },
    {
      name: 'relativeMonthly Last Friday, +05:30, inside',
      window: {
        schedule: { relativeMonthly: { intervalMonths: 1, weekIndex: 'Last', dayOfWeek: 'Friday' } },
        durationHours: 6,
        startTime: '22:00',
        utcOffset: '+05:30',
        startDate: '2026-01-01'
      },
      now: '2026-11-27T17:00:00Z',
      want: open('2026-11-27T22:30:00.000Z')
    },
    // Months count from January; January's first Monday (the 5th) precedes the start date.
    {
      name: 'relativeMonthly First Monday every 2 months',
      window: utcWindow({ relativeMonthly: { intervalMonths: 2, weekIndex: 'First', dayOfWeek: 'Monday' } }, '2026-01-10'),
      now: '2026-01-01T00:00:00Z',
      want: closed('outside-window', '2026-03-02T00:00:00.000Z')
    },
    {
      name: 'relativeMonthly First Monday every 2 months, next',
      window: utcWindow({ relativeMonthly: { intervalMonths: 2, weekIndex: 'First', dayOfWeek: 'Monday' } }, '2026-01-10'),
      now: '2026-03-03T00:00:00Z',
      want: closed('outside-window', '2026-05-04T00:00:00.000Z')
    },
    // Monday 23:00 at -05:00 is Tuesday 04:00Z.
    {
      name: 'negative utcOffset moves the UTC day',
      window: {
        schedule: { weekly: { intervalWeeks: 1, dayOfWeek: 'Monday' } },
        durationHours: 4,
        startTime: '23:00',
        utcOffset: '-05:00',
        startDate: '2026-01-01'
      },
      now: '2026-11-30T12:00:00Z',
      want: closed('outside-window', '2026-12-01T04:00:00.000Z')
    },
    // Without startDate, counting anchors at the epoch's first matching day: Sunday 1970-01-04.
    // 2026-11-29 is 2969 weeks later (odd), 2026-12-06 is 2970 weeks later.
    {
      name: 'no startDate, every 2 weeks',
      window: utcWindow({ weekly: { intervalWeeks: 2, dayOfWeek: 'Sunday' } }),
      now: '2026-11-28T00:00:00Z',
      want: closed('outside-window', '2026-12-06T00:00:00.000Z')
    },
    // 2026-11-28 is day 20785 after 1970-01-01; 20787 is divisible by 3.
    {
      name: 'no startDate, every 3 days',
      window: utcWindow({ daily: { intervalDays: 3 } }),
      now: '2026-11-28T12:00:00Z',
      want: closed('outside-window', '2026-11-30T00:00:00.000Z')
    }
  ]
  it.each(cases)('$name', ({ window, now, want }) => {
    expect(summary(run(window, now))).toEqual(want)
  })

  it('describes the schedule', () => {
    expect(run(weeklySunday, '2026-11-28T12:00:00Z').detail).toBe(
      'outside the AKS maintenance window aksManagedNodeOSUpgradeSchedule: every Sunday at 01:00 for 4h (UTC+02:00)'
    )
    expect(run(exampleMonthly, '2026-10-15T09:00:00Z').detail).toBe(
      'inside the AKS maintenance window aksManagedNodeOSUpgradeSchedule: day 15 of every 3 months at 08:30 for 5h (UTC)'
    )
  })
})

describe('checkWindow: notAllowedDates and user blackouts on AKS schedules', () => {
  const blocked = (notAllowedDates: Array<{ start: string; end: string }>): AksMaintenanceWindow => ({
    ...exampleMonthly,
    notAllowedDates
  })

  it.each([
    {
      name: 'a not-allowed date skips the occurrence',
      window: blocked([{ start: '2027-01-10', end: '2027-01-20' }]),
      now: '2026-11-28T12:00:00Z',
      options: cluster(),
      want: closed('outside-window', '2027-04-15T08:30:00.000Z')
    },
    {
      name: 'inside a not-allowed date',
      window: blocked([{ start: '2026-10-15', end: '2026-10-15' }]),
      now: '2026-10-15T09:00:00Z',
      options: cluster(),
      want: closed('blackout', '2027-01-15T08:30:00.000Z')
    },
    // notAllowedDates are dates in the utcOffset: Monday 2026-11-30 at -05:00 ends at 05:00Z on
    // Tuesday, so the Monday 23:00 window (04:00Z-08:00Z) may start from 05:00Z.
    {
      name: 'not-allowed dates are in the utcOffset',
      window: {
        schedule: { weekly: { intervalWeeks: 1, dayOfWeek: 'Monday' } },
        durationHours: 4,
        startTime: '23:00',
        utcOffset: '-05:00',
        startDate: '2026-01-01',
        notAllowedDates: [{ start: '2026-11-30', end: '2026-11-30' }]
      },
      now: '2026-11-30T04:00:00Z',
      options: cluster(),
      want: closed('outside-window', '2026-12-01T05:00:00.000Z')
    },
    // The user's blackout-dates are dates in the user's timezone: 2026-11-29 in Berlin
    // begins at 2026-11-28T23:00Z, exactly when the Sunday 01:00+02:00 window opens.
    {
      name: 'user blackout on an AKS window',
      window: weeklySunday,
      now: '2026-11-29T00:00:00Z',
      options: cluster('2026-11-29', 30, 'Europe/Berlin'),
      want: closed('blackout', '2026-12-05T23:00:00.000Z')
    },
    {
      name: 'user min-window-left on an AKS window',
      window: weeklySunday,
      now: '2026-11-29T01:30:00Z',
      options: cluster('', 120),
      want: closed('window-ending', '2026-12-05T23:00:00.000Z')
    }
  ])('$name', ({ window, now, options, want }) => {
    expect(summary(run(window, now, options))).toEqual(want)
  })

  it('reads dates the Azure SDK left as Date objects', () => {
    // The SDK deserializes `date` fields into Date; the gate must not fall back to the epoch anchor.
    const fromSdk = JSON.parse(JSON.stringify(utcWindow({ weekly: { intervalWeeks: 2, dayOfWeek: 'Sunday' } }))) as AksMaintenanceWindow
    Object.assign(fromSdk, {
      startDate: new Date('2026-04-14T00:00:00Z'),
      notAllowedDates: [{ start: new Date('2026-04-26T00:00:00Z'), end: new Date('2026-04-26T00:00:00Z') }]
    })
    expect(summary(run(fromSdk, '2026-04-15T00:00:00Z'))).toEqual(closed('outside-window', '2026-05-10T00:00:00.000Z'))
    expect(run(fromSdk, '2026-04-26T01:00:00Z').detail).toBe('within notAllowedDates 2026-04-26 of aksManagedNodeOSUpgradeSchedule (UTC)')
  })

  it('names the not-allowed dates', () => {
    const decision = run(blocked([{ start: '2026-10-15', end: '2026-10-16' }]), '2026-10-15T09:00:00Z')
    expect(decision.detail).toBe('within notAllowedDates 2026-10-15..2026-10-16 of aksManagedNodeOSUpgradeSchedule (UTC)')
  })
})

describe('checkWindow: choosing the configuration', () => {
  const nodeOs = managed(NODE_OS, weeklySunday)
  const auto = managed(AUTO, utcWindow({ daily: { intervalDays: 1 } }, '2026-01-01'))
  const legacy: MaintenanceConfig = { name: 'default', timeInWeek: [{ day: 'Monday', hourSlots: [1, 2] }] }

  it.each<{ name: string; configs: MaintenanceConfig[] | undefined; upgradeClass: UpgradeKind; want: ReturnType<typeof closed> }>([
    {
      name: 'node-image uses the node OS schedule',
      configs: [auto, nodeOs, legacy],
      upgradeClass: 'node-image',
      want: closed('outside-window', '2026-11-28T23:00:00.000Z')
    },
    {
      name: 'patch uses the auto-upgrade schedule',
      configs: [auto, nodeOs, legacy],
      upgradeClass: 'patch',
      want: closed('outside-window', '2026-11-29T00:00:00.000Z')
    },
    {
      name: 'minor uses the auto-upgrade schedule',
      configs: [auto, nodeOs],
      upgradeClass: 'minor',
      want: closed('outside-window', '2026-11-29T00:00:00.000Z')
    },
    {
      name: 'default stands in for a missing node OS schedule',
      configs: [auto, legacy],
      upgradeClass: 'node-image',
      want: closed('outside-window', '2026-11-30T01:00:00.000Z')
    },
    {
      name: 'default stands in for a missing auto-upgrade schedule',
      configs: [nodeOs, legacy],
      upgradeClass: 'patch',
      want: closed('outside-window', '2026-11-30T01:00:00.000Z')
    },
    { name: 'no applicable configuration', configs: [nodeOs], upgradeClass: 'patch', want: closed('no-cluster-schedule', undefined) },
    { name: 'no configurations', configs: [], upgradeClass: 'node-image', want: closed('no-cluster-schedule', undefined) },
    { name: 'configurations not read', configs: undefined, upgradeClass: 'node-image', want: closed('no-cluster-schedule', undefined) },
    {
      name: 'default without timeInWeek',
      configs: [{ name: 'default', timeInWeek: [] }],
      upgradeClass: 'node-image',
      want: closed('no-cluster-schedule', undefined)
    }
  ])('$name', ({ configs, upgradeClass, want }) => {
    expect(summary(checkWindow(cluster(), configs, upgradeClass, new Date('2026-11-28T12:00:00Z')))).toEqual(want)
  })

  it('explains a missing schedule', () => {
    const decision = checkWindow(cluster(), [nodeOs], 'patch', new Date('2026-11-28T12:00:00Z'))
    expect(decision.detail).toContain('no aksManagedAutoUpgradeSchedule configuration')
  })
})

describe('checkWindow: legacy default configuration', () => {
  const legacy = (timeInWeek: MaintenanceConfig['timeInWeek'], notAllowedTime?: MaintenanceConfig['notAllowedTime']) => {
    const config: MaintenanceConfig = { name: 'default', timeInWeek }
    if (notAllowedTime) config.notAllowedTime = notAllowedTime
    return [config]
  }
  const check = (configs: MaintenanceConfig[], now: string) => summary(checkWindow(cluster(), configs, 'node-image', new Date(now)))

  it.each([
    // Slots 1 and 2 on Monday: 01:00-03:00 UTC on Monday 2026-11-30.
    {
      name: 'before',
      configs: legacy([{ day: 'Monday', hourSlots: [1, 2] }]),
      now: '2026-11-28T12:00:00Z',
      want: closed('outside-window', '2026-11-30T01:00:00.000Z')
    },
    {
      name: 'consecutive slots form one window',
      configs: legacy([{ day: 'Monday', hourSlots: [1, 2] }]),
      now: '2026-11-30T01:30:00Z',
      want: open('2026-11-30T03:00:00.000Z')
    },
    {
      name: 'entries for one day are unioned',
      configs: legacy([
        { day: 'Monday', hourSlots: [2] },
        { day: 'Monday', hourSlots: [1] }
      ]),
      now: '2026-11-30T01:30:00Z',
      want: open('2026-11-30T03:00:00.000Z')
    },
    {
      name: 'separate slots are separate windows',
      configs: legacy([{ day: 'Monday', hourSlots: [1, 3] }]),
      now: '2026-11-30T01:45:00Z',
      want: closed('window-ending', '2026-11-30T03:00:00.000Z')
    },
    // Sunday 23 and Monday 0 join across midnight.
    {
      name: 'slots join across midnight',
      configs: legacy([
        { day: 'Sunday', hourSlots: [23] },
        { day: 'Monday', hourSlots: [0] }
      ]),
      now: '2026-11-29T23:50:00Z',
      want: open('2026-11-30T01:00:00.000Z')
    },
    {
      name: 'joined slots, ending',
      configs: legacy([
        { day: 'Sunday', hourSlots: [23] },
        { day: 'Monday', hourSlots: [0] }
      ]),
      now: '2026-11-30T00:45:00Z',
      want: closed('window-ending', '2026-12-06T23:00:00.000Z')
    },
    {
      name: 'notAllowedTime holds a start',
      configs: legacy([{ day: 'Monday', hourSlots: [1, 2] }], [{ start: '2026-11-30T00:00:00Z', end: '2026-11-30T02:00:00Z' }]),
      now: '2026-11-30T01:30:00Z',
      want: closed('blackout', '2026-11-30T02:00:00.000Z')
    },
    {
      name: 'notAllowedTime skips whole windows',
      configs: legacy([{ day: 'Monday', hourSlots: [1, 2] }], [{ start: '2026-11-26T03:00:00Z', end: '2026-12-01T12:00:00Z' }]),
      now: '2026-11-28T12:00:00Z',
      want: closed('blackout', '2026-12-07T01:00:00.000Z')
    }
  ])('$name', ({ configs, now, want }) => {
    expect(check(configs, now)).toEqual(want)
  })

  it('names the notAllowedTime', () => {
    const configs = legacy([{ day: 'Monday', hourSlots: [1, 2] }], [{ start: '2026-11-30T00:00:00Z', end: '2026-11-30T02:00:00Z' }])
    expect(checkWindow(cluster(), configs, 'patch', new Date('2026-11-30T01:30:00Z')).detail).toBe(
      'within notAllowedTime 2026-11-30T00:00:00.000Z..2026-11-30T02:00:00.000Z of default'
    )
  })

  it('describes the slots', () => {
    const decision = checkWindow(
      cluster(),
      legacy([
        { day: 'Saturday', hourSlots: [4] },
        { day: 'Monday', hourSlots: [1, 2, 5] }
      ]),
      'node-image',
      new Date('2026-11-28T12:00:00Z')
    )
    expect(decision.detail).toBe('outside the AKS maintenance window default: Mon 01:00-03:00,05:00-06:00; Sat 04:00-05:00 (UTC)')
  })
})
