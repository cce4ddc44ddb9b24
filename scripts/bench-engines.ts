// Engine benchmark (issue 14, "The figure to beat"): 50 clusters x 3 pools, every node image
// outdated, 20 minutes per pool, pools one after another, 5 clusters at a time, carried out
//   - by `engine: direct` with `wait: true`: one run of the bundle that starts and watches every
//     operation, against an emulator whose clock runs SCALE times faster than real time;
//   - by `engine: fleet`: Fleet Manager upgrades the members on the emulator's clock, and the
//     bundle only checks in every 60 or every 15 simulated minutes (the clock is moved by hand)
//     until every member is Completed.
// Prints one table (wall time, jobs, runner minutes, check-ins) and Fleet's time per member as the
// emulator's member upgrade records show it. Prints figures; asserts nothing about time, but exits
// non-zero when a run fails (the action exits non-zero, an operation or a member fails, a pool is
// left outdated, Fleet gets a second run of ours).
//
//   npm run build && node scripts/bench-engines.ts
//   BENCH_SCALE=1200 node scripts/bench-engines.ts     (a faster direct run, more polling slack)
//   BENCH_ENGINE_CLUSTERS=10 node scripts/bench-engines.ts   (a smaller fleet, as CI runs it)
//   BENCH_ENTRY=/tmp/other-build/index.js node scripts/bench-engines.ts   (another build of the bundle)
//
// The direct run polls once per operation: AKS_UPGRADE_PILOT_POLL_MS is one operation's real
// duration plus a few milliseconds, so the first poll already sees the operation ended (the
// action backs off from that first delay to 5 s, which at SCALE 600 would be 50 simulated minutes
// of slack). Its wait-timeout runs on the action's own clock, in real time.
import { outdatedClusters } from './lib/bench-fleet.ts'
import type { Fleet } from '../__tests__/emulator/fleet.ts'
import { fleetResourceId, settleFleetManagers } from '../__tests__/emulator/fleet-manager.ts'
import type { FleetManagerSeed, MemberUpgradeRecord } from '../__tests__/emulator/fleet-manager.ts'
import { baseInputs, runAction } from '../__tests__/emulator/run-action.ts'
import type { RunResult } from '../__tests__/emulator/run-action.ts'
import { startEmulator } from '../__tests__/emulator/server.ts'
import type { Emulator } from '../__tests__/emulator/server.ts'
import { peakInFlight, peakOverlap } from '../__tests__/emulator/timeline.ts'

const SUBSCRIPTION = '6b2e9d41-3f7a-4c85-a1d0-8e5c2b7f9a36'
const MINUTE = 60_000
const HOUR = 60 * MINUTE
const JOB_LIMIT_MS = 6 * HOUR

const POOLS = 3
const OPERATION_MS = 20 * MINUTE
const MAX_PARALLEL = 5
const CHECK_IN_MINUTES = [60, 15]

function whole(name: string, fallback: number, min: number): number {
  const raw = process.env[name]
  const value = raw === undefined || raw.trim() === '' ? fallback : Number(raw)
  if (!Number.isFinite(value) || value < min) throw new Error(`${name} must be a number ≥ ${min}, got '${raw ?? ''}'`)
  return value
}

/** 50 as in the issue; CI runs a smaller fleet only to keep the script from rotting. */
const CLUSTERS = whole('BENCH_ENGINE_CLUSTERS', 50, 1)
/** Simulated ms per real ms in the direct run: 600 makes a 20-minute operation last 2 s. */
const scale = whole('BENCH_SCALE', 600, 1)
const entry = process.env.BENCH_ENTRY ?? 'dist/index.js'
/** ceil(N / max-parallel) x P x D: the schedule both engines should keep. */
const IDEAL_MS = Math.ceil(CLUSTERS / MAX_PARALLEL) * POOLS * OPERATION_MS
/** Real ms after one operation's real duration at which the action's first poll comes. */
const POLL_MARGIN_MS = 5

const MANAGER: FleetManagerSeed = { subscriptionId: SUBSCRIPTION, resourceGroup: 'rg-fleet', name: 'bench', members: [] }
const FLEET_ID = fleetResourceId(MANAGER)

/** N clusters in ring 0 on the newest patch of 1.35, P Ubuntu pools each with last week's image; optionally a Fleet Manager over them. */
function benchFleet(withManager: boolean): Fleet {
  const clusters = outdatedClusters(SUBSCRIPTION, CLUSTERS, POOLS, { 'aks-upgrade-ring': '0' })
  const fleet: Fleet = { subscriptions: { [SUBSCRIPTION]: {} }, clusters }
  if (withManager) fleet.fleetManagers = [{ ...MANAGER, members: clusters.map(c => ({ name: `m-${c.name}`, clusterName: c.name })) }]
  return fleet
}

function fail(what: string, result?: RunResult): never {
  if (result !== undefined) console.error(result.stdout.slice(-6000), result.stderr.slice(-4000))
  throw new Error(what)
}

/** Every pool at its newest image, or the run failed. */
function checkRefreshed(emu: Emulator, what: string): void {
  const pools = emu.state.fleet.clusters.flatMap(c => c.agentPools.map(p => ({ c: c.name, p })))
  const stale = pools.filter(({ p }) => p.nodeImageVersion !== p.latestNodeImageVersion)
  if (stale.length > 0)
    fail(`${what}: ${stale.length} of ${pools.length} pools kept an old image (${stale.slice(0, 5).map(s => `${s.c}/${s.p.name}`)}…)`)
}

const minutes = (ms: number): number => ms / MINUTE
function duration(ms: number): string {
  const total = Math.round(minutes(ms))
  return `${Math.floor(total / 60)} h ${String(total % 60).padStart(2, '0')} min`
}
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}

interface DirectFigures {
  wallMs: number
  jobs: number
  runnerMinutes: number
  operations: number
  peak: number
  realMs: number
  pollMs: number
  /** Mean simulated ms from an operation's end to the next start on its cluster (noticing it, starting the next pool). */
  meanHandoverMs: number
  /** Shortest and longest operation as the emulator recorded it (it ends at the first request after its due time: the poll). */
  operationMs: [number, number]
}

async function direct(): Promise<DirectFigures> {
  const r0 = Date.now()
  const t0 = Math.floor(r0 / HOUR) * HOUR
  const emu = await startEmulator({
    fleet: benchFleet(false),
    operationDurationMs: OPERATION_MS,
    now: () => t0 + (Date.now() - r0) * scale,
    // Tokens live on the scaled clock; the SDK caches them for expires_in real seconds.
    tokenLifetimeSeconds: Math.ceil((4 * IDEAL_MS) / 1000),
    pageSize: 100
  })
  try {
    const pollMs = Math.ceil(OPERATION_MS / scale) + POLL_MARGIN_MS
    const realIdealMs = IDEAL_MS / scale
    const started = performance.now()
    const result = await runAction(
      emu,
      {
        ...baseInputs(emu),
        upgrade: 'node-image',
        wait: 'true',
        'wait-timeout-minutes': String(Math.ceil((realIdealMs * 4) / MINUTE) + 10),
        'max-parallel': String(MAX_PARALLEL),
        'max-parallel-pools': '1',
        preflight: 'none',
        issue: 'off'
      },
      { entry, env: { AKS_UPGRADE_PILOT_POLL_MS: String(pollMs) }, timeoutMs: realIdealMs * 4 + 120_000 }
    )
    const realMs = performance.now() - started
    if (result.code !== 0) fail(`direct: the action exited with ${String(result.code)}`, result)
    const ops = emu.state.operations
    const broken = ops.filter(o => o.status !== 'Succeeded')
    if (broken.length > 0)
      fail(`direct: ${broken.length} operation(s) did not succeed (${broken[0]?.cluster}/${broken[0]?.pool}: ${broken[0]?.status})`, result)
    checkRefreshed(emu, 'direct')
    const first = Math.min(...ops.map(o => o.startTime))
    const last = Math.max(...ops.map(o => o.endTime ?? Number.POSITIVE_INFINITY))
    const wallMs = last - first
    const handovers = ops.flatMap(op => {
      const end = op.endTime ?? 0
      const next = ops.filter(o => o.cluster === op.cluster && o.startTime >= end).map(o => o.startTime - end)
      return next.length > 0 ? [Math.min(...next)] : []
    })
    return {
      wallMs,
      jobs: Math.ceil(wallMs / JOB_LIMIT_MS),
      runnerMinutes: Math.ceil(minutes(wallMs)),
      operations: ops.length,
      peak: peakInFlight(ops),
      realMs,
      pollMs,
      meanHandoverMs: handovers.length === 0 ? 0 : handovers.reduce((a, b) => a + b, 0) / handovers.length,
      operationMs: [Math.min(...ops.map(o => (o.endTime ?? 0) - o.startTime)), Math.max(...ops.map(o => (o.endTime ?? 0) - o.startTime))]
    }
  } finally {
    await emu.stop()
  }
}

interface FleetFigures {
  everyMinutes: number
  wallMs: number
  checkIns: number
  runnerMinutes: number
  /** Real ms of each check-in (process start to exit). */
  jobMs: number[]
  upgrades: MemberUpgradeRecord[]
  peak: number
  runs: string[]
  /** Check-ins after the first that wrote to Fleet, and what. */
  laterWrites: string[]
}

/** The most member upgrades running at one instant (one ending at the instant another starts does not overlap it). */
function peakMembers(upgrades: readonly MemberUpgradeRecord[]): number {
  return peakOverlap(upgrades.map(u => ({ start: u.startMs, end: u.endMs })))
}

async function fleet(everyMinutes: number): Promise<FleetFigures> {
  let t = Math.floor(Date.now() / HOUR) * HOUR
  const emu = await startEmulator({ fleet: benchFleet(true), operationDurationMs: OPERATION_MS, now: () => t, pageSize: 100 })
  try {
    const manager = emu.state.fleetManager.fleets[0]
    if (manager === undefined) fail('fleet: the emulator has no Fleet Manager')
    const inputs = {
      ...baseInputs(emu),
      engine: 'fleet',
      fleet: FLEET_ID,
      upgrade: 'node-image',
      'max-parallel': String(MAX_PARALLEL),
      preflight: 'none',
      issue: 'off'
    }
    const startMs = t
    const cap = 2 * Math.ceil(IDEAL_MS / (everyMinutes * MINUTE)) + 5
    const jobMs: number[] = []
    const laterWrites: string[] = []
    for (;;) {
      if (jobMs.length >= cap)
        fail(`fleet every ${everyMinutes} min: members still not all Completed after ${cap} check-ins (${duration(t - startMs)})`)
      const from = emu.requests.length
      const began = performance.now()
      const result = await runAction(emu, inputs, { entry, env: { AKS_UPGRADE_PILOT_TEST_NOW: new Date(t).toISOString() } })
      jobMs.push(performance.now() - began)
      if (result.code !== 0)
        fail(`fleet every ${everyMinutes} min: check-in ${jobMs.length} (${duration(t - startMs)}) exited with ${String(result.code)}`, result)
      const writes = emu.requests.slice(from).filter(r => r.service === 'arm' && r.method !== 'GET' && r.path.includes('/fleets/'))
      if (jobMs.length > 1 && writes.length > 0) {
        laterWrites.push(
          `check-in ${jobMs.length} (${duration(t - startMs)}): ${writes.map(r => `${r.method} ${r.path.slice(r.path.indexOf('/fleets/'))}`).join(', ')}`
        )
      }
      settleFleetManagers(emu.state)
      const ours = manager.runs.filter(r => r.name.startsWith('aup-'))
      if (ours.length !== 1) fail(`fleet every ${everyMinutes} min: ${ours.length} update runs of ours after check-in ${jobMs.length}`, result)
      const failed = emu.state.fleetManager.upgrades.filter(u => u.result === 'Failed')
      if (failed.length > 0 || ours[0]?.status.state === 'Failed') fail(`fleet every ${everyMinutes} min: ${failed.length} member(s) failed`, result)
      const members = ours.flatMap(r => r.stages.flatMap(s => s.groups.flatMap(g => g.members)))
      if (members.length === CLUSTERS && members.every(m => m.status.state === 'Completed')) break
      t += everyMinutes * MINUTE
    }
    checkRefreshed(emu, `fleet every ${everyMinutes} min`)
    const upgrades = [...emu.state.fleetManager.upgrades]
    const last = Math.max(...upgrades.map(u => u.endMs ?? Number.POSITIVE_INFINITY))
    return {
      everyMinutes,
      wallMs: last - startMs,
      checkIns: jobMs.length,
      runnerMinutes: jobMs.reduce((sum, ms) => sum + Math.ceil(ms / MINUTE), 0),
      jobMs,
      upgrades,
      peak: peakMembers(upgrades),
      runs: manager.runs.map(r => `${r.name} (${r.status.state})`),
      laterWrites
    }
  } finally {
    await emu.stop()
  }
}

const benchStart = performance.now()
const d = await direct()
const fleets: FleetFigures[] = []
for (const every of CHECK_IN_MINUTES) fleets.push(await fleet(every))
const benchMs = performance.now() - benchStart

const rows: string[][] = [
  ['Engine', 'Wall time', 'Jobs', 'Runner minutes', 'Check-ins'],
  [
    'direct, `wait: true`',
    duration(d.wallMs),
    `${d.jobs} (6-hour limit)`,
    `≈ ${d.runnerMinutes} (the job holds a runner throughout)`,
    '— (one job waits for every operation)'
  ],
  ...fleets.map(f => [
    `fleet, check-ins every ${f.everyMinutes} min`,
    `${duration(f.wallMs)}, in Azure`,
    String(f.checkIns),
    `≈ ${f.runnerMinutes} (jobs billed rounded up to a minute)`,
    `${f.checkIns} (longest ${seconds(Math.max(...f.jobMs))}, mean ${seconds(f.jobMs.reduce((a, b) => a + b, 0) / f.jobMs.length)})`
  ])
]
const widths = rows[0]?.map((_, i) => Math.max(...rows.map(r => (r[i] ?? '').length))) ?? []
const line = (r: string[]): string => `| ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`

console.log(
  `AKS Upgrade Pilot engine bench: ${CLUSTERS} clusters x ${POOLS} pools, ${minutes(OPERATION_MS)} min per pool, pools one after another, ${MAX_PARALLEL} clusters at a time (ideal ${duration(IDEAL_MS)})`
)
console.log()
console.log(line(rows[0] ?? []))
console.log(`|${widths.map(w => '-'.repeat(w + 2)).join('|')}|`)
for (const r of rows.slice(1)) console.log(line(r))
console.log()
const perMember = (fleets[0]?.upgrades ?? []).map(u => (u.endMs ?? Number.NaN) - u.startMs)
console.log(
  `Fleet's time per member, from the emulator's member upgrade records (${perMember.length} members; the emulator models a member as its pools one after another, Fleet documents no figure): min ${minutes(Math.min(...perMember)).toFixed(1)} / median ${minutes(median(perMember)).toFixed(1)} / max ${minutes(Math.max(...perMember)).toFixed(1)} min; peak members upgrading at once: ${fleets.map(f => `${f.peak} (every ${f.everyMinutes} min)`).join(', ')}`
)
const simSeconds = (ms: number): string => `${(ms / 1000).toFixed(0)} s`
console.log(
  `Direct: ${d.operations} operations, peak ${d.peak} in flight; an operation took ${minutes(d.operationMs[0]).toFixed(2)}–${minutes(d.operationMs[1]).toFixed(2)} min as the action saw it, end to next start on a cluster ${simSeconds(d.meanHandoverMs)} on average (simulated; clock x${scale}, first poll ${d.pollMs} ms real, ${seconds(d.realMs)} real). One process ran it all (its wait-timeout counts real time); a real run is cut at 6 h (timeout-minutes, the job limit) and a second job carries on.`
)
for (const f of fleets) console.log(`Fleet every ${f.everyMinutes} min: update runs ${f.runs.join(', ')}`)
for (const f of fleets) for (const w of f.laterWrites) console.log(`Fleet every ${f.everyMinutes} min, a later check-in wrote: ${w}`)
console.log(`Command: node scripts/bench-engines.ts${scale === 600 ? '' : ` (BENCH_SCALE=${scale})`}; took ${seconds(benchMs)} real`)
