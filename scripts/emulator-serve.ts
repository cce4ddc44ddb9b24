// Starts the emulator as a long-running process, for running the action with `uses: ./`
// in a real workflow (.github/workflows/ci.yml). Writes what the workflow needs as
// `key=value` lines (GITHUB_OUTPUT syntax) to --out, then serves until killed.
//
//   node scripts/emulator-serve.ts --fleet __tests__/emulator/fleets/demo.json --out emulator.env
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { startEmulator } from '../__tests__/emulator/server.ts'
import { loadFleet } from '../__tests__/emulator/fleet.ts'

const { values } = parseArgs({
  options: {
    fleet: { type: 'string', default: 'demo' },
    out: { type: 'string' },
    repository: { type: 'string' }
  }
})
const fleet = loadFleet(values.fleet ?? 'demo')
const repository = values.repository ?? process.env.GITHUB_REPOSITORY ?? 'octo-org/platform'
const emu = await startEmulator({ fleet, repository })
const first = fleet.clusters[0]
const lines = [
  `url=${emu.url}`,
  `ca=${emu.caPath}`,
  `oidc_url=${emu.url}/_oidc/token?api-version=2.0`,
  `oidc_token=${emu.oidcRequestToken}`,
  `github_api_url=${emu.url}/api/v3`,
  `github_token=${emu.githubToken}`,
  `subscription_id=${first?.subscriptionId ?? ''}`,
  `clusters=${fleet.clusters.map(c => `/subscriptions/${c.subscriptionId}/resourceGroups/${c.resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${c.name}`).join(',')}`
]
if (values.out) writeFileSync(values.out, `${lines.join('\n')}\n`)
else console.log(lines.join('\n'))
console.error(`emulator serving at ${emu.url} (Ctrl-C to stop)`)
const stop = (): void => {
  void emu.stop().then(() => process.exit(0))
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
