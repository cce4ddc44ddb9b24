// Scale benchmark: N clusters x 4 pools in the emulator, an injected latency on every ARM
// request, one dry-run of the bundle (discovery of the whole subscription, as a fleet
// would run it). Prints figures; asserts nothing about time (timings belong here, not in tests).
//
//   BENCH_CLUSTERS=200 BENCH_LATENCY_MS=30 npm run bench
//   BENCH_CLUSTERS=1000 BENCH_LATENCY_MS=30 npm run bench      (peak RSS)
//   BENCH_VNETS=20 BENCH_PREFLIGHT=quota,subnet,pdb npm run bench   (pre-flight's cost: pools
//   on their own subnets in 20 shared virtual networks; BENCH_PREFLIGHT=none for the baseline)
//   BENCH_ENTRY=/tmp/other-build/index.js npm run bench   (another build of the bundle, to compare)
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startEmulator } from '../__tests__/emulator/server.ts'
import { generateFleet, DEFAULT_SUBSCRIPTION } from '../__tests__/emulator/fleet.ts'
import type { Fleet } from '../__tests__/emulator/fleet.ts'
import { baseInputs, runAction } from '../__tests__/emulator/run-action.ts'

/** Must match READS_PER_SUBSCRIPTION in src/main.ts (the cap the lower bound divides by). */
const READ_CAP = 6

const clusters = Number(process.env.BENCH_CLUSTERS ?? 200)
const latencyMs = Number(process.env.BENCH_LATENCY_MS ?? 30)
const vnets = Number(process.env.BENCH_VNETS ?? 0)
const preflight = process.env.BENCH_PREFLIGHT ?? 'quota,subnet,pdb'

/** Each cluster's pools on a subnet of its own, in `count` virtual networks shared round-robin. */
function withVnets(fleet: Fleet, count: number): Fleet {
  if (count <= 0) return fleet
  const ids = Array.from(
    { length: count },
    (_, i) => `/subscriptions/${DEFAULT_SUBSCRIPTION}/resourceGroups/rg-network/providers/Microsoft.Network/virtualNetworks/vnet-${i + 1}`
  )
  const subnets = new Map<string, Array<{ name: string; limit: number }>>(ids.map(id => [id, []]))
  fleet.clusters.forEach((c, i) => {
    const id = ids[i % count] ?? ''
    subnets.get(id)?.push({ name: c.name, limit: 4091 })
    for (const p of c.agentPools) p.vnetSubnetID = `${id}/subnets/${c.name}`
  })
  return { ...fleet, virtualNetworks: ids.map(id => ({ id, subnets: subnets.get(id) ?? [] })) }
}

const emu = await startEmulator({ fleet: withVnets(generateFleet({ clusters }), vnets), latencyMs, pageSize: 100 })
try {
  // Peak RSS of the action's own process, read inside it at exit: VmHWM, the high-water mark
  // of its own address space. Not `process.resourceUsage().maxRSS`: on Linux a child's
  // ru_maxrss starts from its parent's RSS at fork (about 110 MB for this script and its
  // emulator at 1,000 clusters), so it can never read lower than that. maxRSS only where
  // there is no /proc (macOS: no fork inheritance there).
  const dir = mkdtempSync(join(tmpdir(), 'aks-bench-'))
  const rssFile = join(dir, 'rss')
  const preload = join(dir, 'rss.mjs')
  writeFileSync(
    preload,
    [
      `import { readFileSync, writeFileSync } from 'node:fs'`,
      `process.on('exit', () => {`,
      `  let kb = process.resourceUsage().maxRSS`,
      `  try { kb = Number(/^VmHWM:\\s*(\\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? kb) } catch {}`,
      `  writeFileSync(${JSON.stringify(rssFile)}, String(kb))`,
      `})`,
      ''
    ].join('\n')
  )
  const t0 = performance.now()
  const result = await runAction(
    emu,
    { ...baseInputs(emu), 'subscription-id': DEFAULT_SUBSCRIPTION, 'dry-run': 'true', issue: 'off', preflight },
    { entry: process.env.BENCH_ENTRY ?? 'dist/index.js', env: { NODE_OPTIONS: `--import=${preload}` } }
  )
  const wall = performance.now() - t0
  if (result.code !== 0) {
    console.error(result.stdout.slice(-4000), result.stderr.slice(-4000))
    throw new Error(`the action exited with ${String(result.code)}`)
  }
  const arm = emu.requests.filter(r => r.service === 'arm')
  // Pre-flight's own ARM requests: Compute, Network and the cluster credential (the API server is not ARM).
  const preflightArm = arm.filter(r => /\/providers\/Microsoft\.(Compute|Network)\/|\/listClusterUserCredential$/i.test(r.path))
  const credentials = preflightArm.filter(r => /\/listClusterUserCredential$/i.test(r.path)).length
  const kube = emu.requests.filter(r => r.service === 'kube').length
  const first = Math.min(...arm.map(r => r.at))
  const last = Math.max(...arm.map(r => r.at))
  const armWall = last - first + latencyMs
  // Critical path of a dry run: list pages in sequence, then per cluster pools -> pool profiles.
  const pages = Math.ceil(clusters / 100)
  const criticalPath = pages + 2
  const lowerBound = Math.max(criticalPath * latencyMs, (arm.length * latencyMs) / READ_CAP)
  const rssKb = Number(readFileSync(rssFile, 'utf8'))
  const plan = JSON.parse(result.outputs.plan ?? '[]') as unknown[]

  const rows: Array<[string, string]> = [
    ['clusters x pools', `${clusters} x 4 (${plan.length} plan entries)`],
    ['ARM latency injected', `${latencyMs} ms`],
    ['wall time (process)', `${(wall / 1000).toFixed(2)} s`],
    ['wall time (first to last ARM request)', `${(armWall / 1000).toFixed(2)} s`],
    ['ARM requests', `${arm.length} (${(arm.length / clusters).toFixed(2)} per cluster)`],
    [
      `pre-flight ARM requests (${preflight}${vnets > 0 ? `, ${vnets} virtual networks` : ''})`,
      `${preflightArm.length} (${(preflightArm.length / clusters).toFixed(2)} per cluster: ${credentials} cluster credentials, ${preflightArm.length - credentials} quota and subnet reads)`
    ],
    ['API server requests (not ARM)', `${kube}`],
    ['peak ARM concurrency', `${emu.peakConcurrency} (cap ${READ_CAP} per subscription)`],
    ['peak RSS of the action (VmHWM)', `${(rssKb / 1024).toFixed(1)} MB`],
    ['lower bound max(path x latency, requests x latency / cap)', `${(lowerBound / 1000).toFixed(2)} s`],
    ['ratio ARM wall / lower bound', (armWall / lowerBound).toFixed(2)],
    ['ratio process wall / lower bound', (wall / lowerBound).toFixed(2)]
  ]
  const width = Math.max(...rows.map(r => r[0].length))
  console.log('AKS Upgrade Pilot bench (dry-run, discovery)')
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`)
} finally {
  await emu.stop()
}
