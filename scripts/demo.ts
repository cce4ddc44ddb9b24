// End-to-end demo: the built action (dist/index.js) against the local emulator with the demo
// fleet (two clusters, Linux and Windows pools, one pool mid-upgrade), run as the runner would.
//
//   npm run build && node scripts/demo.ts
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { loadFleet } from '../__tests__/emulator/fleet.ts'
import { baseInputs, REPO_ROOT, runAction } from '../__tests__/emulator/run-action.ts'
import { startEmulator } from '../__tests__/emulator/server.ts'

const entry = join(REPO_ROOT, 'dist', 'index.js')
if (!existsSync(entry)) {
  console.error(`${entry} is missing: run \`npm run build\` first.`)
  process.exit(2)
}

function section(title: string, body: string): void {
  const rule = '─'.repeat(Math.max(8, 78 - title.length))
  console.log(`\n── ${title} ${rule}\n${body.trimEnd() === '' ? '(empty)' : body.trimEnd()}`)
}

/** The runner hides these workflow commands; so does the demo. */
function visibleLog(stdout: string): string {
  return stdout
    .split('\n')
    .filter(line => !line.startsWith('::add-mask::') && !line.startsWith('::debug::'))
    .join('\n')
}

interface PlanRow {
  cluster?: string
  pool?: string | null
  action?: string
  reason?: string
  result?: string
}

/** The `plan` output as one line per entry (the JSON itself is long). */
function planTable(value: string): string {
  let rows: PlanRow[]
  try {
    rows = JSON.parse(value) as PlanRow[]
  } catch {
    return value
  }
  if (!Array.isArray(rows)) return value
  const lines = rows.map(r => {
    const where = `${r.cluster ?? '?'}/${r.pool ?? '(control plane)'}`
    return `  ${where.padEnd(32)} ${String(r.action ?? '').padEnd(11)} ${String(r.reason ?? '').padEnd(24)} ${r.result ?? ''}`
  })
  return [`${rows.length} entries (${value.length} characters of JSON):`, ...lines].join('\n')
}

function formatOutput(name: string, value: string): string {
  if (name === 'plan') return `plan: ${planTable(value)}`
  try {
    const parsed: unknown = JSON.parse(value)
    if (typeof parsed === 'object' && parsed !== null) return `${name}:\n${JSON.stringify(parsed, null, 2)}`
  } catch {
    // not JSON: printed as is
  }
  return value.includes('\n') ? `${name}:\n${value}` : `${name}: ${value}`
}

const emu = await startEmulator({ fleet: loadFleet('demo') })
let code: number | null = null
try {
  const inputs = {
    ...baseInputs(emu),
    // Everything else comes from action.yml defaults, as in a workflow that sets only these.
    clusters: 'rg-platform-dev/aks-dev-weu\nrg-platform-prod/aks-prod-weu'
  }
  console.log(`Emulator on ${emu.url}; running ${entry} with:`)
  for (const [name, value] of Object.entries(inputs)) console.log(`  ${name}: ${value.replace(/\n/g, ', ')}`)
  const result = await runAction(emu, inputs)
  code = result.code

  section('Action log (stdout, without ::debug:: and ::add-mask:: lines)', visibleLog(result.stdout))
  if (result.stderr.trim() !== '') section('Action stderr', result.stderr)
  section('Job summary (GITHUB_STEP_SUMMARY)', result.summary)
  const issues = emu.state.github.issues
  section(
    'Report issue',
    issues.length === 0
      ? 'No issue was written.'
      : issues.map(i => `#${i.number} ${i.title}  [${i.labels.join(', ')}] (${i.state})\n\n${i.body ?? ''}`).join('\n\n')
  )
  section(
    'Outputs',
    Object.entries(result.outputs)
      .map(([name, value]) => formatOutput(name, value))
      .join('\n')
  )
  section(
    'Operations Azure saw',
    emu.state.operations
      .map(
        op =>
          `${op.kind.padEnd(14)} ${`${op.cluster}${op.pool === undefined ? '' : `/${op.pool}`}`.padEnd(26)} ${op.status}${op.error === undefined ? '' : ` (${op.error.code})`}`
      )
      .join('\n')
  )
} finally {
  await emu.stop()
}

console.log(
  code === 0
    ? '\n✔ Demo finished: the action exited with code 0.'
    : `\n✘ Demo failed: the action exited with ${code === null ? 'no code (killed)' : `code ${code}`}.`
)
process.exitCode = code ?? 1
