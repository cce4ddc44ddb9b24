// Reading the emulator's operation records as a timeline: how many operations were in flight
// at once, overall or per cluster. For scheduling tests and the scheduling bench.
import type { OperationRecord } from './types.ts'

/**
 * The most spans open at one instant. A span runs from `start` to `end` (still open: to the
 * end of time); one that ends at the millisecond another starts does not overlap it.
 */
export function peakOverlap(spans: ReadonlyArray<{ start: number; end?: number | undefined }>): number {
  const events = spans.flatMap(s => [
    { at: s.start, delta: 1 },
    { at: s.end ?? Number.POSITIVE_INFINITY, delta: -1 }
  ])
  events.sort((a, b) => a.at - b.at || a.delta - b.delta)
  let current = 0
  let peak = 0
  for (const e of events) {
    current += e.delta
    peak = Math.max(peak, current)
  }
  return peak
}

/** The most operations in flight at one instant. */
export function peakInFlight(ops: readonly OperationRecord[]): number {
  return peakOverlap(ops.map(o => ({ start: o.startTime, end: o.endTime })))
}

/** `peakInFlight` of each cluster's own operations, by cluster name (unique in the fleets that use this). */
export function peakInFlightPerCluster(ops: readonly OperationRecord[]): Map<string, number> {
  const byCluster = new Map<string, OperationRecord[]>()
  for (const op of ops) byCluster.set(op.cluster, [...(byCluster.get(op.cluster) ?? []), op])
  return new Map([...byCluster].map(([name, own]) => [name, peakInFlight(own)]))
}
