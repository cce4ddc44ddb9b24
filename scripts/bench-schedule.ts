// Scheduling benchmark: N clusters x P pools in the emulator, every node image outdated, each
// operation lasting D seconds, one real run of the bundle (wait: true, issue: off) with
// discovery. Prints how long the fleet took against the ideal schedule
// ceil(N / max-parallel) x ceil(P / max-parallel-pools) x D, and how many operations ran at
// once. Prints figures; asserts nothing (timings belong here, not in tests).
//
//   npm run bench:schedule
//   BENCH_CLUSTERS=20 BENCH_POOLS=4 BENCH_OPERATION_S=2 BENCH_MAX_PARALLEL_POOLS=2 npm run bench:schedule
//   BENCH_POLL_MS=50 npm run bench:schedule    (the tests' first poll delay instead of the production one)
//
// The action polls as in production unless BENCH_POLL_MS sets AKS_UPGRADE_PILOT_POLL_MS: the
// tests' 50 ms first poll suits their millisecond operations, not operations of seconds.
import { outdatedClusters } from './lib/bench-fleet.ts'
import type { Fleet } from '../__tests__/emulator/fleet.ts'
import { baseInputs, runAction } from '../__tests__/emulator/run-action.ts'
import { startEmulator } from '../__tests__/emulator/server.ts'
import { peakInFlight, peakInFlightPerCluster } from '../__tests__/emulator/timeline.ts'
import type { OperationRecord } from '../__tests__/emulator/types.ts'

const SUBSCRIPTION = '9d1f4b62-7c3e-4a58-b0e9-2f6d8a1c5e37'

function whole(name: string, fallback: number, min: number): number {
  const raw = process.env[name]
  const value = raw === undefined || raw.trim() === '' ? fallback : Number(raw)
  if (!Number.isFinite(value) || value < min) throw new Error(`${name} must be a number ≥ ${min}, got '${raw ?? ''}'`)
  return value
}

const clusters = Math.floor(whole('BENCH_CLUSTERS', 50, 1))
const pools = Math.floor(whole('BENCH_POOLS', 3, 1))
const operationS = whole('BENCH_OPERATION_S', 5, 0.01)
const latencyMs = whole('BENCH_LATENCY_MS', 30, 0)
const maxParallel = Math.floor(whole('BENCH_MAX_PARALLEL', 5, 1))
const maxParallelPools = Math.floor(whole('BENCH_MAX_PARALLEL_POOLS', 1, 1))
/** AKS_UPGRADE_PILOT_POLL_MS for the run; '' (the default) leaves the action's production polling. */
const pollMs = process.env.BENCH_POLL_MS ?? ''

/** N clusters on the newest patch of 1.35 (no version upgrade due), P Ubuntu pools each with last week's image. */
function benchFleet(): Fleet {
  return { subscriptions: { [SUBSCRIPTION]: {} }, clusters: outdatedClusters(SUBSCRIPTION, clusters, pools) }
}

/** For each operation followed by another on its cluster: from its end to the next start there (the action noticing it). */
function handoverGaps(ops: readonly OperationRecord[]): number[] {
  const gaps: number[] = []
  for (const op of ops) {
    if (op.endTime === undefined) continue
    const end = op.endTime
    const next = ops.filter(o => o.cluster === op.cluster && o.startTime >= end).map(o => o.startTime)
    if (next.length > 0) gaps.push(Math.min(...next) - end)
  }
  return gaps
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`

const operationMs = Math.round(operationS * 1000)
const idealMs = Math.ceil(clusters / maxParallel) * Math.ceil(pools / maxParallelPools) * operationMs
const emu = await startEmulator({ fleet: benchFleet(), operationDurationMs: operationMs, latencyMs, pageSize: 100 })
try {
  // runAction sets the tests' 50 ms; an empty value is the same as none for the action.
  const env = { AKS_UPGRADE_PILOT_POLL_MS: pollMs }
  const t0 = performance.now()
  const result = await runAction(
    emu,
    {
      ...baseInputs(emu),
      upgrade: 'node-image',
      wait: 'true',
      issue: 'off',
      'max-parallel': String(maxParallel),
      'max-parallel-pools': String(maxParallelPools)
    },
    { env, timeoutMs: Math.max(600_000, idealMs * 4 + 120_000) }
  )
  const wall = performance.now() - t0
  if (result.code !== 0) {
    console.error(result.stdout.slice(-4000), result.stderr.slice(-4000))
    throw new Error(`the action exited with ${String(result.code)}`)
  }

  const ops = emu.state.operations
  const ended = ops.filter(o => o.endTime !== undefined)
  const first = Math.min(...ops.map(o => o.startTime))
  const last = Math.max(...ended.map(o => o.endTime ?? 0))
  const fleetMs = ops.length === 0 ? 0 : last - first
  const livePools = emu.state.fleet.clusters.flatMap(c => c.agentPools)
  const refreshed = livePools.filter(p => p.nodeImageVersion === p.latestNodeImageVersion).length
  const perCluster = [...peakInFlightPerCluster(ops).values()]
  const gaps = handoverGaps(ops)
  const meanGap = gaps.length === 0 ? 0 : gaps.reduce((a, b) => a + b, 0) / gaps.length
  const posts = emu.requests.filter(r => r.service === 'arm' && r.method === 'POST').length

  const rows: Array<[string, string]> = [
    ['clusters x pools', `${clusters} x ${pools} (${clusters * pools} node-image upgrades due)`],
    ['operation time, ARM latency', `${seconds(operationMs)}, ${latencyMs} ms`],
    ['max-parallel, max-parallel-pools', `${maxParallel}, ${maxParallelPools}`],
    ['first poll delay (AKS_UPGRADE_PILOT_POLL_MS)', pollMs === '' ? "the action's production polling" : `${pollMs} ms`],
    ['pools refreshed', `${refreshed} / ${livePools.length} (${ops.length} operations, ${posts} POSTs, ${ended.length} ended)`],
    ['fleet time (first upgrade start to last pool refreshed)', seconds(fleetMs)],
    ['ideal ceil(N/max-parallel) x ceil(P/max-parallel-pools) x D', seconds(idealMs)],
    ['ratio fleet / ideal (target ≤ 1.1)', idealMs === 0 ? 'n/a' : (fleetMs / idealMs).toFixed(3)],
    ['peak operations in flight, overall', `${peakInFlight(ops)} (at most ${maxParallel * maxParallelPools})`],
    ['peak operations in flight, per cluster', `${perCluster.length === 0 ? 0 : Math.max(...perCluster)} (at most ${maxParallelPools})`],
    ['end to next start in a cluster (mean / max)', `${seconds(meanGap)} / ${seconds(gaps.length === 0 ? 0 : Math.max(...gaps))}`],
    ['wall time (process)', seconds(wall)],
    ['ARM requests', String(emu.requests.filter(r => r.service === 'arm').length)]
  ]
  const width = Math.max(...rows.map(r => r[0].length))
  console.log('AKS Upgrade Pilot scheduling bench (wait: true, node images, discovery)')
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`)
} finally {
  await emu.stop()
}
