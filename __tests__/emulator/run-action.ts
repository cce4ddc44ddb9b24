// Runs the bundled action exactly as the GitHub runner does (node24, INPUT_* variables,
// file commands), pointed at the emulator.
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { isAbsolute, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'
import type { Emulator } from './server.ts'
import { DEFAULT_SUBSCRIPTION } from './fleet.ts'
import { DEFAULT_TENANT_ID } from './fleet-preflight.ts'

export interface RunResult {
  /** Exit code; null when killed (timeout). */
  code: number | null
  stdout: string
  stderr: string
  /** From GITHUB_OUTPUT (`name=value` and heredoc forms). */
  outputs: Record<string, string>
  /** The GITHUB_STEP_SUMMARY markdown ('' when none was written). */
  summary: string
  /** From GITHUB_STATE (`core.saveState`). */
  state: Record<string, string>
  /** With `signal`: how long the process took to exit after the signal was sent, in ms. */
  exitAfterSignalMs?: number
}

export interface RunOptions {
  /** Extra or overriding environment variables (e.g. GITHUB_WORKFLOW, AKS_UPGRADE_PILOT_POLL_MS). */
  env?: Record<string, string>
  /** Leave out ACTIONS_ID_TOKEN_REQUEST_* (a workflow without `permissions: id-token: write`). */
  withoutOidc?: boolean
  /** Script to run; default dist/index.js of the repository. Relative paths resolve against the repository. */
  entry?: string
  /** Kill the action after this long; default 120 s. */
  timeoutMs?: number
  /** Send `signal` to the action once `when()` is true (checked every 20 ms), as the runner does on cancel. */
  signal?: { signal: NodeJS.Signals; when: () => boolean }
}

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url))
/** Also the tenant Entra-integrated clusters trust by default. */
export const TEST_TENANT_ID = DEFAULT_TENANT_ID
export const TEST_CLIENT_ID = '0f8e2d4c-6b1a-4937-a5c8-e3d2f1b0a9c7'

/** The inputs every run needs to reach the emulator instead of Azure. */
export function baseInputs(emu: Emulator): Record<string, string> {
  const fleet = emu.state.fleet
  const subscription = Object.keys(fleet.subscriptions ?? {})[0] ?? fleet.clusters[0]?.subscriptionId ?? DEFAULT_SUBSCRIPTION
  return {
    'client-id': TEST_CLIENT_ID,
    'tenant-id': TEST_TENANT_ID,
    'subscription-id': subscription,
    environment: 'Custom',
    'arm-endpoint': emu.url,
    'authority-host': emu.url
  }
}

const DROPPED_PREFIXES = ['INPUT_', 'GITHUB_', 'ACTIONS_', 'RUNNER_', 'VITEST']
const DROPPED = new Set(['NODE_OPTIONS', 'NODE_EXTRA_CA_CERTS', 'CI', 'TEST', 'NODE_ENV'])

/** The runner's own variable naming: spaces become `_`, hyphens stay. */
export function inputEnvName(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`
}

interface ActionYaml {
  inputs?: Record<string, { default?: unknown } | null>
}

/** `default:` of every input in action.yml, with `${{ github.* }}` expressions evaluated. */
export function actionDefaults(context: Record<string, string>, actionYmlPath = join(REPO_ROOT, 'action.yml')): Record<string, string> {
  if (!existsSync(actionYmlPath)) return {}
  const doc = parse(readFileSync(actionYmlPath, 'utf8')) as ActionYaml | null
  const out: Record<string, string> = {}
  for (const [name, spec] of Object.entries(doc?.inputs ?? {})) {
    const value = spec?.default
    if (value === undefined || value === null) continue
    out[name] = String(value).replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expr: string) => context[expr.trim()] ?? '')
  }
  return out
}

/** Parses GITHUB_OUTPUT / GITHUB_STATE file-command syntax. */
export function parseFileCommands(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? ''
    const heredoc = /^([^=]+?)<<(.+)$/.exec(line)
    if (heredoc?.[1] !== undefined && heredoc[2] !== undefined) {
      const delimiter = heredoc[2]
      const value: string[] = []
      i++
      while (i < lines.length && lines[i] !== delimiter) value.push(lines[i++] ?? '')
      out[heredoc[1]] = value.join('\n')
      continue
    }
    const eq = line.indexOf('=')
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1)
  }
  return out
}

async function readIfExists(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch {
    return ''
  }
}

function appendNoProxy(env: Record<string, string>): void {
  for (const key of ['NO_PROXY', 'no_proxy']) {
    const current = env[key]
    env[key] = current === undefined || current === '' ? '127.0.0.1,localhost' : `${current},127.0.0.1,localhost`
  }
}

export async function runAction(emu: Emulator, inputs: Record<string, string>, options: RunOptions = {}): Promise<RunResult> {
  const dir = await mkdtemp(join(tmpdir(), 'aks-run-'))
  const workspace = join(dir, 'workspace')
  const runnerTemp = join(dir, 'runner-temp')
  await Promise.all([mkdir(workspace), mkdir(runnerTemp)])
  const files = {
    output: join(dir, 'github_output'),
    summary: join(dir, 'step_summary.md'),
    state: join(dir, 'github_state'),
    env: join(dir, 'github_env'),
    path: join(dir, 'github_path'),
    event: join(dir, 'event.json'),
    ca: join(dir, 'ca-bundle.pem')
  }
  // NODE_EXTRA_CA_CERTS replaces any earlier value, so keep the parent's extra CAs in the bundle.
  const parentCa = process.env.NODE_EXTRA_CA_CERTS
  const parentPem = parentCa === undefined || parentCa === '' ? '' : await readIfExists(parentCa)
  const emulatorPem = await readFile(emu.caPath, 'utf8')
  await Promise.all([
    writeFile(files.ca, parentPem === '' ? emulatorPem : `${parentPem.trimEnd()}\n${emulatorPem}`),
    writeFile(files.output, ''),
    writeFile(files.summary, ''),
    writeFile(files.state, ''),
    writeFile(files.env, ''),
    writeFile(files.path, ''),
    writeFile(files.event, JSON.stringify({ schedule: '17 3 * * 1' }))
  ])

  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || DROPPED.has(key) || DROPPED_PREFIXES.some(p => key.startsWith(p))) continue
    env[key] = value
  }
  appendNoProxy(env)
  const [owner = ''] = emu.repository.split('/')
  Object.assign(env, {
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_STATE: files.state,
    GITHUB_ENV: files.env,
    GITHUB_PATH: files.path,
    GITHUB_EVENT_PATH: files.event,
    GITHUB_EVENT_NAME: 'schedule',
    GITHUB_API_URL: `${emu.url}/api/v3`,
    GITHUB_GRAPHQL_URL: `${emu.url}/api/graphql`,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REPOSITORY: emu.repository,
    GITHUB_REPOSITORY_OWNER: owner,
    GITHUB_RUN_ID: '9876543210',
    GITHUB_RUN_NUMBER: '42',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_WORKFLOW: 'AKS upgrades',
    GITHUB_WORKFLOW_REF: `${emu.repository}/.github/workflows/aks-upgrades.yml@refs/heads/main`,
    GITHUB_JOB: 'upgrade',
    GITHUB_ACTION: '__aks-upgrade-pilot',
    GITHUB_ACTION_PATH: REPO_ROOT,
    GITHUB_ACTOR: 'octocat',
    GITHUB_TRIGGERING_ACTOR: 'octocat',
    GITHUB_SHA: 'f0e1d2c3b4a5968778695a4b3c2d1e0f9a8b7c6d',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_REF_NAME: 'main',
    GITHUB_REF_TYPE: 'branch',
    GITHUB_WORKSPACE: workspace,
    GITHUB_RETENTION_DAYS: '90',
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_NAME: 'GitHub Actions 7',
    RUNNER_ENVIRONMENT: 'github-hosted',
    RUNNER_TEMP: runnerTemp,
    RUNNER_TOOL_CACHE: join(dir, 'toolcache'),
    NODE_EXTRA_CA_CERTS: files.ca,
    AKS_UPGRADE_PILOT_POLL_MS: '50'
  })
  if (options.withoutOidc !== true) {
    env.ACTIONS_ID_TOKEN_REQUEST_URL = `${emu.url}/_oidc/token?api-version=2.0`
    env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = emu.oidcRequestToken
  }

  const given = new Map(Object.entries(inputs).map(([k, v]) => [k.toLowerCase(), v]))
  const defaults = actionDefaults({
    'github.token': emu.githubToken,
    'github.repository': emu.repository,
    'github.repository_owner': owner,
    'github.server_url': 'https://github.com',
    'github.api_url': `${emu.url}/api/v3`,
    'github.run_id': '9876543210',
    'github.workflow': options.env?.GITHUB_WORKFLOW ?? 'AKS upgrades'
  })
  for (const [name, value] of Object.entries(defaults)) {
    if (!given.has(name.toLowerCase())) env[inputEnvName(name)] = value
  }
  for (const [name, value] of Object.entries(inputs)) env[inputEnvName(name)] = value
  Object.assign(env, options.env ?? {})

  const entry = options.entry ?? 'dist/index.js'
  const script = isAbsolute(entry) ? entry : resolve(REPO_ROOT, entry)
  const timeoutMs = options.timeoutMs ?? 120_000

  let signalledAt: number | undefined
  let exitAfterSignalMs: number | undefined
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((done, fail) => {
    const child = spawn(process.execPath, [script], { cwd: workspace, env, stdio: ['ignore', 'pipe', 'pipe'] })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    const watch = options.signal
    const poll = watch
      ? setInterval(() => {
          if (signalledAt !== undefined || !watch.when()) return
          signalledAt = performance.now()
          child.kill(watch.signal)
        }, 20)
      : undefined
    child.once('error', error => {
      clearTimeout(timer)
      clearInterval(poll)
      fail(error)
    })
    child.once('close', exitCode => {
      clearTimeout(timer)
      clearInterval(poll)
      if (signalledAt !== undefined) exitAfterSignalMs = performance.now() - signalledAt
      done({ code: exitCode, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') })
    })
  })

  const [outputText, summary, stateText] = await Promise.all([readIfExists(files.output), readIfExists(files.summary), readIfExists(files.state)])
  const result: RunResult = { code, stdout, stderr, outputs: parseFileCommands(outputText), summary, state: parseFileCommands(stateText) }
  if (exitAfterSignalMs !== undefined) result.exitAfterSignalMs = exitAfterSignalMs
  return result
}
