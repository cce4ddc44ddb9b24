import { describe, expect, it } from 'vitest'
import { parseBlackoutDates, parseMaintenanceWindow, validateTimeZone } from '../../src/window/spec.ts'
import { InputError } from '../../src/util/errors.ts'

function thrown(fn: () => unknown): InputError {
  try {
    fn()
  } catch (error: unknown) {
    if (error instanceof InputError) return error
    throw error
  }
  throw new Error('expected an InputError')
}

const WINDOW_FORM =
  "Expected '<days> <HH:MM>-<HH:MM>' with days like Mon, Mon-Fri, Sat,Sun or daily; separate windows with ';' or newlines. Example: 'Sat,Sun 02:00-06:00; daily 22:00-23:00'"

describe('parseMaintenanceWindow', () => {
  it.each([
    { value: 'Sat 22:00-04:00', days: [6], start: 1320, end: 240, text: 'Sat 22:00-04:00' },
    { value: 'mon-fri 09:00-17:00', days: [1, 2, 3, 4, 5], start: 540, end: 1020, text: 'Mon-Fri 09:00-17:00' },
    { value: 'Fri-Mon 20:00-23:00', days: [1, 5, 6, 7], start: 1200, end: 1380, text: 'Fri-Mon 20:00-23:00' },
    { value: 'Sat,Sun 02:00-06:00', days: [6, 7], start: 120, end: 360, text: 'Sat,Sun 02:00-06:00' },
    { value: 'Mon-Wed,Fri 01:00-02:00', days: [1, 2, 3, 5], start: 60, end: 120, text: 'Mon-Wed,Fri 01:00-02:00' },
    { value: 'Saturday, sunday 2:00 - 6:00', days: [6, 7], start: 120, end: 360, text: 'Sat,Sun 02:00-06:00' },
    { value: 'SUN 23:00-02:00', days: [7], start: 1380, end: 120, text: 'Sun 23:00-02:00' },
    { value: 'daily 00:00-24:00', days: [1, 2, 3, 4, 5, 6, 7], start: 0, end: 1440, text: 'daily 00:00-24:00' },
    // An end of 00:00 is the next midnight.
    { value: 'DAILY 22:00-00:00', days: [1, 2, 3, 4, 5, 6, 7], start: 1320, end: 1440, text: 'daily 22:00-00:00' },
    { value: 'Wed 10:00-10:00', days: [3], start: 600, end: 600, text: 'Wed 10:00-10:00' }
  ])('$value', ({ value, days, start, end, text }) => {
    expect(parseMaintenanceWindow(value)).toEqual([{ days, startMinute: start, endMinute: end, text }])
  })

  it.each([
    { value: '', texts: [] },
    { value: ' \n ; ', texts: [] },
    { value: 'Sat,Sun 02:00-06:00; daily 22:00-23:00', texts: ['Sat,Sun 02:00-06:00', 'daily 22:00-23:00'] },
    { value: 'Mon 01:00-02:00\nTue 03:00-04:00\n', texts: ['Mon 01:00-02:00', 'Tue 03:00-04:00'] }
  ])('splits $value into windows', ({ value, texts }) => {
    expect(parseMaintenanceWindow(value).map(w => w.text)).toEqual(texts)
  })

  it('gives the complete message for an impossible hour', () => {
    expect(thrown(() => parseMaintenanceWindow('Sat 25:00-04:00')).message).toBe(
      `Invalid maintenance-window 'Sat 25:00-04:00': 25:00 is not a time. ${WINDOW_FORM}`
    )
  })

  it.each([
    { value: 'Funday 02:00-04:00', bad: 'Funday 02:00-04:00', problem: "'Funday' is not a day" },
    { value: 'Mon-Fryday 02:00-04:00', bad: 'Mon-Fryday 02:00-04:00', problem: "'Fryday' is not a day" },
    { value: 'Sat 12:60-14:00', bad: 'Sat 12:60-14:00', problem: '12:60 is not a time' },
    { value: 'Sat 02:00-12:60', bad: 'Sat 02:00-12:60', problem: '12:60 is not a time' },
    { value: 'Sat', bad: 'Sat', problem: 'the time range is missing' },
    { value: 'Sat 22:00', bad: 'Sat 22:00', problem: 'the time range needs a start and an end' },
    { value: '22:00-04:00', bad: '22:00-04:00', problem: 'the days are missing before the time range' },
    { value: 'Sat 24:00-02:00', bad: 'Sat 24:00-02:00', problem: '24:00 can only end a window' },
    { value: 'Sat 2200-0400', bad: 'Sat 2200-0400', problem: '2200 is not a time' },
    // The message names the bad entry, not the whole value.
    { value: 'Sat 02:00-04:00; Sun 02:00-4', bad: 'Sun 02:00-4', problem: '4 is not a time' }
  ])('rejects $value', ({ value, bad, problem }) => {
    const error = thrown(() => parseMaintenanceWindow(value))
    expect(error.message).toContain(`Invalid maintenance-window '${bad}': ${problem}`)
    expect(error.message).toContain(WINDOW_FORM)
  })
})

describe('parseBlackoutDates', () => {
  it.each([
    { value: '', ranges: [] },
    { value: '2026-12-24', ranges: [{ start: '2026-12-24', end: '2026-12-24', text: '2026-12-24' }] },
    {
      value: '2026-12-20..2027-01-04, 2028-02-29',
      ranges: [
        { start: '2026-12-20', end: '2027-01-04', text: '2026-12-20..2027-01-04' },
        { start: '2028-02-29', end: '2028-02-29', text: '2028-02-29' }
      ]
    },
    {
      value: ' 2026-12-24 ; 2026-12-31\n2027-01-01 .. 2027-01-02\n',
      ranges: [
        { start: '2026-12-24', end: '2026-12-24', text: '2026-12-24' },
        { start: '2026-12-31', end: '2026-12-31', text: '2026-12-31' },
        { start: '2027-01-01', end: '2027-01-02', text: '2027-01-01..2027-01-02' }
      ]
    }
  ])('parses $value', ({ value, ranges }) => {
    expect(parseBlackoutDates(value)).toEqual(ranges)
  })

  it.each([
    { value: '2026-02-30', problem: '2026-02-30 is not a date' },
    { value: '2027-02-29', problem: '2027-02-29 is not a date' },
    { value: '24.12.2026', problem: '24.12.2026 is not a date' },
    { value: '2027-01-04..2026-12-20', problem: 'the range ends (2026-12-20) before it starts (2027-01-04)' },
    { value: '2026-12-24..', problem: 'a date is missing' }
  ])('rejects $value', ({ value, problem }) => {
    const error = thrown(() => parseBlackoutDates(`2026-01-01, ${value}`))
    expect(error.message).toContain(`Invalid blackout-dates '${value}': ${problem}.`)
    expect(error.message).toContain('YYYY-MM-DD..YYYY-MM-DD')
  })
})

describe('validateTimeZone', () => {
  it.each([
    { value: 'Europe/Berlin', zone: 'Europe/Berlin' },
    { value: 'europe/berlin', zone: 'Europe/Berlin' },
    { value: ' America/New_York ', zone: 'America/New_York' },
    { value: 'UTC', zone: 'UTC' },
    { value: '', zone: 'UTC' }
  ])('accepts $value', ({ value, zone }) => {
    expect(validateTimeZone(value)).toBe(zone)
  })

  it.each(['Mars/Olympus', 'Europe/Berlinn', 'CEST'])('rejects %s', value => {
    const error = thrown(() => validateTimeZone(value))
    expect(error.message).toContain(`Invalid timezone '${value}'`)
    expect(error.message).toContain("'Europe/Berlin'")
  })
})
