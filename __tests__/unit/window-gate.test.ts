import { describe, expect, it } from 'vitest'
import { checkWindow, describeInstant, type GateOptions } from '../../src/window/gate.ts'
import { parseBlackoutDates, parseMaintenanceWindow } from '../../src/window/spec.ts'
import type { WindowDecision } from '../../src/model.ts'

function spec(window: string, timezone: string, blackouts = '', minWindowLeftMinutes = 30): GateOptions {
  return {
    window: { mode: 'spec', windows: parseMaintenanceWindow(window) },
    timezone,
    blackouts: parseBlackoutDates(blackouts),
    minWindowLeftMinutes
  }
}

function check(options: GateOptions, now: string): WindowDecision {
  return checkWindow(options, undefined, 'node-image', new Date(now))
}

/** The parts of a decision the tables assert on. */
function summary(decision: WindowDecision): { open: boolean; reason?: string; closesAt?: string; nextOpen?: string } {
  const { open, reason, closesAt, nextOpen } = decision
  return { open, reason, closesAt, nextOpen }
}

const open = (closesAt: string) => ({ open: true, reason: undefined, closesAt, nextOpen: undefined })
const closed = (reason: string, nextOpen: string | undefined) => ({ open: false, reason, closesAt: undefined, nextOpen })

describe('checkWindow: user windows across DST changes', () => {
  it.each([
    // Europe/Berlin springs forward 2026-03-29 02:00 CET -> 03:00 CEST: 02:30 does not exist,
    // so the window opens at the first instant after the gap, 03:00 CEST (01:00Z).
    {
      name: 'Berlin start in the gap, before',
      window: 'Sun 02:30-06:00',
      tz: 'Europe/Berlin',
      now: '2026-03-28T12:00:00Z',
      want: closed('outside-window', '2026-03-29T01:00:00.000Z')
    },
    {
      name: 'Berlin start in the gap, a minute early',
      window: 'Sun 02:30-06:00',
      tz: 'Europe/Berlin',
      now: '2026-03-29T00:59:00Z',
      want: closed('outside-window', '2026-03-29T01:00:00.000Z')
    },
    {
      name: 'Berlin start in the gap, at the opening',
      window: 'Sun 02:30-06:00',
      tz: 'Europe/Berlin',
      now: '2026-03-29T01:00:00Z',
      want: open('2026-03-29T04:00:00.000Z')
    },
    // A wall-clock 22:00-04:00 over the spring night is 5 real hours (21:00Z..02:00Z).
    {
      name: 'Berlin spring night is 5 hours',
      window: 'Sat 22:00-04:00',
      tz: 'Europe/Berlin',
      now: '2026-03-28T21:00:00Z',
      want: open('2026-03-29T02:00:00.000Z')
    },
    // Falls back 2026-10-25 03:00 CEST -> 02:00 CET: 22:00 CEST (20:00Z) to 04:00 CET (03:00Z) is 7 hours.
    {
      name: 'Berlin fall night is 7 hours',
      window: 'Sat 22:00-04:00',
      tz: 'Europe/Berlin',
      now: '2026-10-24T20:00:00Z',
      want: open('2026-10-25T03:00:00.000Z')
    },
    // 02:30 happens twice on 2026-10-25; the first (CEST, 00:30Z) is used.
    {
      name: 'Berlin start in the repeated hour',
      window: 'Sun 02:30-05:00',
      tz: 'Europe/Berlin',
      now: '2026-10-24T12:00:00Z',
      want: closed('outside-window', '2026-10-25T00:30:00.000Z')
    },
    {
      name: 'Berlin inside a repeated-hour window',
      window: 'Sun 02:30-05:00',
      tz: 'Europe/Berlin',
      now: '2026-10-25T00:30:00Z',
      want: open('2026-10-25T04:00:00.000Z')
    },
    // America/New_York springs forward 2026-03-08 02:00 EST -> 03:00 EDT (07:00Z).
    {
      name: 'New York start in the gap',
      window: 'Sun 02:15-05:00',
      tz: 'America/New_York',
      now: '2026-03-07T12:00:00Z',
      want: closed('outside-window', '2026-03-08T07:00:00.000Z')
    },
    // Falls back 2026-11-01 02:00 EDT -> 01:00 EST: 01:30 EDT is 05:30Z, 03:00 EST is 08:00Z.
    {
      name: 'New York start in the repeated hour',
      window: 'Sun 01:30-03:00',
      tz: 'America/New_York',
      now: '2026-10-31T12:00:00Z',
      want: closed('outside-window', '2026-11-01T05:30:00.000Z')
    },
    {
      name: 'New York inside a repeated-hour window',
      window: 'Sun 01:30-03:00',
      tz: 'America/New_York',
      now: '2026-11-01T05:30:00Z',
      want: open('2026-11-01T08:00:00.000Z')
    },
    {
      name: 'New York fall night is 7 hours',
      window: 'Sat 22:00-04:00',
      tz: 'America/New_York',
      now: '2026-11-01T02:00:00Z',
      want: open('2026-11-01T09:00:00.000Z')
    },
    {
      name: 'New York spring night is 5 hours',
      window: 'Sat 22:00-04:00',
      tz: 'America/New_York',
      now: '2026-03-08T03:00:00Z',
      want: open('2026-03-08T08:00:00.000Z')
    }
  ])('$name', ({ window, tz, now, want }) => {
    expect(summary(check(spec(window, tz), now))).toEqual(want)
  })
})

describe('checkWindow: user windows', () => {
  it.each([
    // 2026-11-29 is a Sunday: the window crosses midnight and the end of the week into Monday.
    {
      name: 'Sun-to-Mon window, before',
      window: 'Sun 23:00-02:00',
      tz: 'UTC',
      now: '2026-11-29T22:00:00Z',
      want: closed('outside-window', '2026-11-29T23:00:00.000Z')
    },
    {
      name: 'Sun-to-Mon window, on Monday',
      window: 'Sun 23:00-02:00',
      tz: 'UTC',
      now: '2026-11-30T01:00:00Z',
      want: open('2026-11-30T02:00:00.000Z')
    },
    {
      name: 'Sun-to-Mon window, ending',
      window: 'Sun 23:00-02:00',
      tz: 'UTC',
      now: '2026-11-30T01:45:00Z',
      want: closed('window-ending', '2026-12-06T23:00:00.000Z')
    },
    {
      name: 'Sun-to-Mon window, a Monday is not a start day',
      window: 'Sun 23:00-02:00',
      tz: 'UTC',
      now: '2026-11-30T23:30:00Z',
      want: closed('outside-window', '2026-12-06T23:00:00.000Z')
    },
    {
      name: 'daily, before',
      window: 'daily 22:00-23:00',
      tz: 'Europe/Berlin',
      now: '2026-07-01T12:00:00Z',
      want: closed('outside-window', '2026-07-01T20:00:00.000Z')
    },
    { name: 'daily, inside', window: 'daily 22:00-23:00', tz: 'Europe/Berlin', now: '2026-07-01T20:10:00Z', want: open('2026-07-01T21:00:00.000Z') },
    { name: 'whole day', window: 'Wed 00:00-24:00', tz: 'UTC', now: '2026-12-02T23:00:00Z', want: open('2026-12-03T00:00:00.000Z') },
    {
      name: 'several windows, between',
      window: 'Sat,Sun 02:00-06:00; daily 22:00-23:00',
      tz: 'UTC',
      now: '2026-11-27T23:30:00Z',
      want: closed('outside-window', '2026-11-28T02:00:00.000Z')
    },
    {
      name: 'several windows, in the second',
      window: 'Sat,Sun 02:00-06:00; daily 22:00-23:00',
      tz: 'UTC',
      now: '2026-11-28T22:10:00Z',
      want: open('2026-11-28T23:00:00.000Z')
    },
    {
      name: 'several windows, after the second',
      window: 'Sat,Sun 02:00-06:00; daily 22:00-23:00',
      tz: 'UTC',
      now: '2026-11-28T23:00:00Z',
      want: closed('outside-window', '2026-11-29T02:00:00.000Z')
    },
    // Touching windows form one, so 10 minutes before the first one's end is not "ending".
    {
      name: 'touching windows merge',
      window: 'Sat 22:00-24:00; Sun 00:00-03:00',
      tz: 'UTC',
      now: '2026-11-28T23:50:00Z',
      want: open('2026-11-29T03:00:00.000Z')
    },
    {
      name: 'overlapping windows merge',
      window: 'daily 01:00-03:00; Sat 02:00-05:00',
      tz: 'UTC',
      now: '2026-11-28T02:45:00Z',
      want: open('2026-11-28T05:00:00.000Z')
    },
    {
      name: 'wrapping day range Fri-Mon',
      window: 'Fri-Mon 20:00-21:00',
      tz: 'UTC',
      now: '2026-11-30T21:00:00Z',
      want: closed('outside-window', '2026-12-04T20:00:00.000Z')
    },
    // Whole days chained every day never close within the ~400-day horizon.
    {
      name: 'a window that never closes',
      window: 'daily 00:00-24:00',
      tz: 'Europe/Berlin',
      now: '2026-11-30T21:00:00Z',
      want: { open: true, reason: undefined, closesAt: undefined, nextOpen: undefined }
    },
    {
      name: 'whole weekend days chain',
      window: 'Sat,Sun 00:00-24:00',
      tz: 'UTC',
      now: '2026-11-28T10:00:00Z',
      want: open('2026-11-30T00:00:00.000Z')
    }
  ])('$name', ({ window, tz, now, want }) => {
    expect(summary(check(spec(window, tz), now))).toEqual(want)
  })
})

describe('checkWindow: min-window-left-minutes', () => {
  it.each([
    { name: 'exactly 30 left is enough', min: 30, now: '2026-11-29T03:30:00Z', want: open('2026-11-29T04:00:00.000Z') },
    { name: '29 left is not', min: 30, now: '2026-11-29T03:31:00Z', want: closed('window-ending', '2026-12-05T22:00:00.000Z') },
    { name: 'zero minutes means any time left', min: 0, now: '2026-11-29T03:59:00Z', want: open('2026-11-29T04:00:00.000Z') },
    { name: 'a longer minimum', min: 120, now: '2026-11-29T02:30:00Z', want: closed('window-ending', '2026-12-05T22:00:00.000Z') }
  ])('$name', ({ min, now, want }) => {
    expect(summary(check(spec('Sat 22:00-04:00', 'UTC', '', min), now))).toEqual(want)
  })

  it('says how much time is left', () => {
    const decision = check(spec('Sat 22:00-04:00', 'Europe/Berlin'), '2026-11-29T02:48:00Z')
    expect(decision.detail).toBe('only 12 minutes left in the maintenance window Sat 22:00-04:00 (Europe/Berlin); min-window-left-minutes is 30')
  })

  it('skips a next window that a blackout leaves too short', () => {
    // Saturday 2026-12-05 23:45 CET leaves 15 minutes before Sunday's blackout; the next
    // usable start is a week later (23:45 CET = 22:45Z).
    const options = spec('Sat 23:45-04:00', 'Europe/Berlin', '2026-12-06')
    expect(summary(check(options, '2026-12-04T12:00:00Z'))).toEqual(closed('outside-window', '2026-12-12T22:45:00.000Z'))
  })

  it('opens a window after a blackout that covers its beginning', () => {
    // Sun 2026-12-06 22:00 CET is blacked out until Monday 00:00 CET (23:00Z); 2 hours remain.
    const options = spec('Sun 22:00-02:00', 'Europe/Berlin', '2026-12-06')
    expect(summary(check(options, '2026-12-05T12:00:00Z'))).toEqual(closed('outside-window', '2026-12-06T23:00:00.000Z'))
  })
})

describe('checkWindow: blackout dates', () => {
  // Sat 22:00-04:00 Berlin with Sunday 2026-11-29 blacked out: the blackout begins at
  // Sunday 00:00 CET (2026-11-28T23:00Z) and ends the usable window there.
  const cut = spec('Sat 22:00-04:00', 'Europe/Berlin', '2026-11-29')
  const yearEnd = spec('daily 02:00-04:00', 'Europe/Berlin', '2026-12-20..2027-01-04')

  it.each([
    { name: 'a blackout cuts the window short', options: cut, now: '2026-11-28T21:00:00Z', want: open('2026-11-28T23:00:00.000Z') },
    {
      name: 'too little left before the blackout',
      options: cut,
      now: '2026-11-28T22:40:00Z',
      want: closed('window-ending', '2026-12-05T21:00:00.000Z')
    },
    { name: 'inside the blackout', options: cut, now: '2026-11-28T23:30:00Z', want: closed('blackout', '2026-12-05T21:00:00.000Z') },
    { name: 'the day before a year-end range', options: yearEnd, now: '2026-12-19T01:00:00Z', want: open('2026-12-19T03:00:00.000Z') },
    {
      name: 'in a window on the first blacked-out day',
      options: yearEnd,
      now: '2026-12-20T01:30:00Z',
      want: closed('blackout', '2027-01-05T01:00:00.000Z')
    },
    { name: 'across the year end', options: yearEnd, now: '2026-12-31T02:00:00Z', want: closed('blackout', '2027-01-05T01:00:00.000Z') },
    { name: 'on the last blacked-out day', options: yearEnd, now: '2027-01-04T22:00:00Z', want: closed('blackout', '2027-01-05T01:00:00.000Z') },
    { name: 'after the range', options: yearEnd, now: '2027-01-05T01:00:00Z', want: open('2027-01-05T03:00:00.000Z') },
    // Nothing opens in the next ~400 days.
    {
      name: 'no opening within the horizon',
      options: spec('Sat 02:00-04:00', 'UTC', '2026-01-01..2028-12-31'),
      now: '2026-06-01T00:00:00Z',
      want: closed('blackout', undefined)
    }
  ])('$name', ({ options, now, want }) => {
    expect(summary(check(options, now))).toEqual(want)
  })

  it('names the blackout', () => {
    expect(check(yearEnd, '2026-12-31T02:00:00Z').detail).toBe('within blackout-dates 2026-12-20..2027-01-04 (Europe/Berlin)')
    expect(check(cut, '2026-11-28T21:00:00Z').detail).toBe(
      'inside the maintenance window Sat 22:00-04:00 (Europe/Berlin), until blackout-dates 2026-11-29 (Europe/Berlin) begins'
    )
  })
})

describe('checkWindow: no window configured', () => {
  const none = (blackouts: string): GateOptions => ({
    window: { mode: 'none' },
    timezone: 'Europe/Berlin',
    blackouts: parseBlackoutDates(blackouts),
    minWindowLeftMinutes: 30
  })

  it.each([
    {
      name: 'no blackout',
      options: none(''),
      now: '2026-11-28T12:00:00Z',
      want: { open: true, reason: undefined, closesAt: undefined, nextOpen: undefined }
    },
    {
      name: 'a blackout elsewhere',
      options: none('2026-12-24'),
      now: '2026-12-22T23:00:00Z',
      want: { open: true, reason: undefined, closesAt: undefined, nextOpen: undefined }
    },
    // With no window there is no end, so a blackout 1 minute away does not hold the start.
    {
      name: 'a minute before a blackout',
      options: none('2026-12-24'),
      now: '2026-12-23T22:59:00Z',
      want: { open: true, reason: undefined, closesAt: undefined, nextOpen: undefined }
    },
    { name: 'blackout today', options: none('2026-12-24'), now: '2026-12-23T23:00:00Z', want: closed('blackout', '2026-12-24T23:00:00.000Z') },
    {
      name: 'consecutive blackouts chain',
      options: none('2026-12-24, 2026-12-25..2026-12-26'),
      now: '2026-12-24T12:00:00Z',
      want: closed('blackout', '2026-12-26T23:00:00.000Z')
    },
    {
      name: 'an empty window list is no window',
      options: { ...none(''), window: { mode: 'spec' as const, windows: [] } },
      now: '2026-11-28T12:00:00Z',
      want: { open: true, reason: undefined, closesAt: undefined, nextOpen: undefined }
    }
  ])('$name', ({ options, now, want }) => {
    expect(summary(check(options, now))).toEqual(want)
  })

  it('says there is no window', () => {
    expect(check(none(''), '2026-11-28T12:00:00Z').detail).toBe('no maintenance window configured')
  })
})

describe('checkWindow: detail', () => {
  it.each([
    { window: 'Sat 22:00-04:00', now: '2026-11-28T12:00:00Z', detail: 'outside the maintenance window Sat 22:00-04:00 (Europe/Berlin)' },
    { window: 'Sat 22:00-04:00', now: '2026-11-28T21:30:00Z', detail: 'inside the maintenance window Sat 22:00-04:00 (Europe/Berlin)' },
    {
      window: 'Sat,Sun 02:00-06:00; daily 22:00-23:00',
      now: '2026-11-27T12:00:00Z',
      detail: 'outside the maintenance windows Sat,Sun 02:00-06:00; daily 22:00-23:00 (Europe/Berlin)'
    }
  ])('$detail', ({ window, now, detail }) => {
    expect(check(spec(window, 'Europe/Berlin'), now).detail).toBe(detail)
  })
})

describe('describeInstant', () => {
  it.each([
    { iso: '2026-11-28T21:00:00Z', tz: 'Europe/Berlin', now: '2026-11-27T08:00:00Z', text: 'Sat 2026-11-28 22:00 CET (in 37 hours)' },
    { iso: '2026-07-04T13:00:00.000Z', tz: 'America/New_York', now: '2026-07-04T12:55:00Z', text: 'Sat 2026-07-04 09:00 EDT (in 5 minutes)' },
    { iso: '2026-03-29T01:00:00Z', tz: 'Europe/Berlin', now: '2026-03-29T04:00:00Z', text: 'Sun 2026-03-29 03:00 CEST (3 hours ago)' },
    { iso: '2026-12-05T21:00:00Z', tz: 'UTC', now: '2026-11-28T21:00:00Z', text: 'Sat 2026-12-05 21:00 UTC (in 7 days)' },
    { iso: '2026-12-05T21:00:00Z', tz: 'Asia/Kolkata', now: '2026-11-28T21:00:00Z', text: 'Sun 2026-12-06 02:30 GMT+5:30 (in 7 days)' },
    { iso: '2026-12-05T21:00:00Z', tz: 'UTC', now: '2026-12-05T20:59:00Z', text: 'Sat 2026-12-05 21:00 UTC (in 1 minute)' },
    { iso: '2026-12-05T21:00:00Z', tz: 'UTC', now: '2026-12-05T21:00:20Z', text: 'Sat 2026-12-05 21:00 UTC (now)' },
    { iso: 'not a date', tz: 'UTC', now: '2026-12-05T21:00:00Z', text: 'not a date' }
  ])('$text', ({ iso, tz, now, text }) => {
    expect(describeInstant(iso, tz, new Date(now))).toBe(text)
  })
})
