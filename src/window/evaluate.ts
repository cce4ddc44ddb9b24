// The zone-independent core of the gate: given window occurrences and blackout
// intervals (both plain epoch-millisecond intervals), decide whether an operation
// may start now and when it next may.

/** A half-open interval [start, end) of epoch milliseconds with a human label. */
export interface Interval {
  start: number
  end: number
  label: string
}

/** Window occurrences, produced lazily in chunks. */
export interface WindowSource {
  /** Human description of the whole schedule, e.g. `Sat 22:00-04:00 (Europe/Berlin)`. */
  description: string
  /** Occurrences whose start lies in [from, to), sorted by start. */
  between(from: number, to: number): Interval[]
}

export type Evaluation =
  /** `usableEnd` is +Infinity when the window does not close within the horizon. */
  | { state: 'open'; window: Interval | undefined; usableEnd: number; cutBy: Interval | undefined }
  | { state: 'blackout'; blackout: Interval; nextOpen: number | undefined }
  | { state: 'outside'; nextOpen: number | undefined }
  | {
      state: 'ending'
      window: Interval
      usableEnd: number
      cutBy: Interval | undefined
      nextOpen: number | undefined
    }

// Every single occurrence lasts at most 24 wall-clock hours (25 real hours over a DST
// change), so looking back a little more than that finds any window containing now.
const LOOKBACK_MS = 3 * 24 * 3600_000
const CHUNK_MS = 32 * 24 * 3600_000

function joinLabels(a: string, b: string): string {
  if (a === b || a.split('; ').includes(b)) return a
  return `${a}; ${b}`
}

/** Sorts and merges overlapping or touching intervals (labels are joined). */
export function mergeIntervals(intervals: Interval[]): Interval[] {
  const sorted = [...intervals].filter(i => i.end > i.start).sort((a, b) => a.start - b.start)
  const merged: Interval[] = []
  for (const interval of sorted) {
    const last = merged[merged.length - 1]
    if (last && interval.start <= last.end) {
      last.end = Math.max(last.end, interval.end)
      last.label = joinLabels(last.label, interval.label)
    } else {
      merged.push({ ...interval })
    }
  }
  return merged
}

/** Merged windows (overlapping or touching occurrences form one) from `from` up to `until`. */
function* mergedWindows(source: WindowSource, from: number, until: number): Generator<Interval> {
  let current: Interval | undefined
  for (let cursor = from; cursor < until; cursor += CHUNK_MS) {
    for (const occurrence of source.between(cursor, Math.min(cursor + CHUNK_MS, until))) {
      if (current && occurrence.start <= current.end) {
        current.end = Math.max(current.end, occurrence.end)
        current.label = joinLabels(current.label, occurrence.label)
        continue
      }
      if (current) yield current
      current = { ...occurrence }
    }
  }
  if (current) yield current
}

interface Piece {
  start: number
  end: number
  /** The blackout that ends this piece before its window ends. */
  cutBy: Interval | undefined
}

/** The parts of a window outside every blackout (blackouts sorted and merged). */
function piecesOf(window: Interval, blackouts: Interval[]): Piece[] {
  const pieces: Piece[] = []
  let start = window.start
  for (const blackout of blackouts) {
    if (blackout.end <= start) continue
    if (blackout.start >= window.end) break
    if (blackout.start > start) pieces.push({ start, end: blackout.start, cutBy: blackout })
    start = Math.max(start, blackout.end)
    if (start >= window.end) break
  }
  if (start < window.end) pieces.push({ start, end: window.end, cutBy: undefined })
  return pieces
}

/**
 * Decides at `now`.
 * - `windows`: a schedule, or 'always' when no window restricts starting.
 * - `blackouts`: sorted, merged intervals in which nothing starts.
 * - `minLeftMs`: starting needs at least this much of the usable window left; the usable
 *   window ends at the window's end or at the next blackout, whichever comes first.
 * - `horizonMs`: how far ahead to look for the next opening.
 */
export function evaluate(windows: WindowSource | 'always', blackouts: Interval[], minLeftMs: number, now: number, horizonMs: number): Evaluation {
  const until = now + horizonMs
  const stream: Iterable<Interval> =
    windows === 'always'
      ? [{ start: Number.NEGATIVE_INFINITY, end: Number.POSITIVE_INFINITY, label: '' }]
      : mergedWindows(windows, now - LOOKBACK_MS, until)

  const blackout = blackouts.find(b => b.start <= now && now < b.end)
  let current: { window: Interval; piece: Piece } | undefined
  let nextOpen: number | undefined

  for (const window of stream) {
    if (window.end <= now) continue
    if (window.start > until) break
    for (const piece of piecesOf(window, blackouts)) {
      if (piece.end <= now) continue
      if (piece.start <= now) {
        // now lies in this piece (not in a blackout): open if enough of it remains.
        current = { window, piece }
        if (piece.end - now >= minLeftMs) {
          // Windows that chain into each other beyond the horizon (e.g. `daily 00:00-24:00`)
          // do not close within it: report no end rather than the horizon.
          const usableEnd = piece.end >= until ? Number.POSITIVE_INFINITY : piece.end
          return { state: 'open', window, usableEnd, cutBy: piece.cutBy }
        }
        continue
      }
      if (piece.start > until) break
      if (piece.end - piece.start >= minLeftMs) {
        nextOpen = piece.start
        break
      }
    }
    if (nextOpen !== undefined) break
  }

  if (blackout) return { state: 'blackout', blackout, nextOpen }
  if (current) {
    return {
      state: 'ending',
      window: current.window,
      usableEnd: current.piece.end,
      cutBy: current.piece.cutBy,
      nextOpen
    }
  }
  return { state: 'outside', nextOpen }
}
