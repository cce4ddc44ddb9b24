// Cold start of the bundle: from the action process's start to its first request (the GitHub
// OIDC token request), and the process's RSS at that moment, over several runs of a one-cluster
// dry run with `issue: off`. Prints figures; asserts nothing (timings belong here, not in tests).
//
//   npm run build && npm run bench:startup
//   BENCH_ENTRY=/tmp/other-build/index.js BENCH_RUNS=30 npm run bench:startup   (compare a build)
//
// The start is the child's own performance.timeOrigin (process start, before Node's bootstrap);
// the first request is the first `http.client.request.start` or `undici:request:create`
// diagnostics-channel message in the child, so the figure does not depend on the emulator's clock.
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { generateFleet } from '../__tests__/emulator/fleet.ts'
import { baseInputs, REPO_ROOT, runAction } from '../__tests__/emulator/run-action.ts'
import { startEmulator } from '../__tests__/emulator/server.ts'

interface Sample {
  /** ms from process start to the first request. */
  firstRequestMs: number
  /** CPU time (user + system) the process used until the first request, in ms: steadier than wall time on a busy machine. */
  cpuMs: number
  /** RSS in bytes at the first request. */
  rssAtFirstRequest: number
  /** Peak RSS in KiB at exit. */
  maxRssKb: number
}

const runs = Number(process.env.BENCH_RUNS ?? 15)
const entry = resolve(REPO_ROOT, process.env.BENCH_ENTRY ?? 'dist/index.js')

const dir = mkdtempSync(join(tmpdir(), 'aks-startup-'))
const sampleFile = join(dir, 'sample.json')
const preload = join(dir, 'first-request.mjs')
writeFileSync(
  preload,
  `import { subscribe } from 'node:diagnostics_channel'
import { writeFileSync } from 'node:fs'
let first
const mark = () => {
  if (first !== undefined) return
  const cpu = process.cpuUsage()
  first = { firstRequestMs: performance.now(), cpuMs: (cpu.user + cpu.system) / 1000, rssAtFirstRequest: process.memoryUsage.rss() }
}
subscribe('http.client.request.start', mark)
subscribe('undici:request:create', mark)
process.on('exit', () => writeFileSync(${JSON.stringify(sampleFile)}, JSON.stringify({ ...first, maxRssKb: process.resourceUsage().maxRSS })))
`
)

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}

const emu = await startEmulator({ fleet: generateFleet({ clusters: 1 }) })
const samples: Sample[] = []
try {
  for (let i = 0; i < runs; i++) {
    const result = await runAction(
      emu,
      { ...baseInputs(emu), 'dry-run': 'true', issue: 'off', preflight: 'none' },
      { entry, env: { NODE_OPTIONS: `--import=${preload}` } }
    )
    if (result.code !== 0) {
      console.error(result.stdout.slice(-4000), result.stderr.slice(-4000))
      throw new Error(`the action exited with ${String(result.code)}`)
    }
    samples.push(JSON.parse(readFileSync(sampleFile, 'utf8')) as Sample)
  }
} finally {
  await emu.stop()
}

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`
const first = samples.map(s => s.firstRequestMs)
const rows: Array<[string, string]> = [
  ['bundle', `${entry} (${(statSync(entry).size / 1e6).toFixed(2)} MB)`],
  ['runs', String(runs)],
  [
    'process start to first request',
    `median ${median(first).toFixed(0)} ms (min ${Math.min(...first).toFixed(0)}, max ${Math.max(...first).toFixed(0)})`
  ],
  ['CPU time to first request', `median ${median(samples.map(s => s.cpuMs)).toFixed(0)} ms`],
  ['RSS at first request', `median ${mb(median(samples.map(s => s.rssAtFirstRequest)))}`],
  ['peak RSS (one-cluster run)', `median ${mb(median(samples.map(s => s.maxRssKb * 1024)))}`]
]
const width = Math.max(...rows.map(r => r[0].length))
console.log('AKS Upgrade Pilot start-up bench (dry-run, one cluster, issue: off)')
for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`)
