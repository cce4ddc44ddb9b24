// Reading the emulator's operation records as a timeline: how many operations were in flight
// at once, overall or per cluster. For scheduling tests and the scheduling bench.
import type { OperationRecord } from './types.ts'

/**
 * The most operations in flight at one instant. An operation runs from `startTime` to
 * `endTime` (still running: to the end of time); one that ends at the millisecond another
 * starts does not overlap it.
 */
export function peakInFlight(ops: readonly OperationRecord[]): number {
  const events = ops.flatMap(o => [
    { at: o.startTime, delta: 1 },
    { at: o.endTime ?? Number.POSITIVE_INFINITY, delta: -1 }
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

/** `peakInFlight` of each cluster's own operations, by cluster name (unique in the fleets that use this). */
export function peakInFlightPerCluster(ops: readonly OperationRecord[]): Map<string, number> {
  const byCluster = new Map<string, OperationRecord[]>()
  for (const op of ops) byCluster.set(op.cluster, [...(byCluster.get(op.cluster) ?? []), op])
  return new Map([...byCluster].map(([name, own]) => [name, peakInFlight(own)]))
}
