// Local Azure (ARM + Entra ID), AKS clusters' Kubernetes API and GitHub (OIDC + REST) emulator
// over HTTPS, driven by the real SDKs. One server, one port; the path decides the service.
import { randomUUID } from 'node:crypto'
import { createServer } from 'node:https'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createServer as createTcpServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { handleArm, seedOperations, settleOperations } from './arm.ts'
import { normalizeFleet } from './fleet.ts'
import { createFleetManagerState } from './fleet-manager.ts'
import type { Fleet } from './fleet.ts'
import { API_PREFIX, GRAPHQL_PATH, createGitHubState, handleGitHub } from './github.ts'
import { handleAad, handleOidc } from './identity.ts'
import { createJwtKey } from './jwt.ts'
import { KUBE_PREFIX, handleKube } from './kube.ts'
import { tlsMaterial } from './tls.ts'
import type { EmulatorContext, EmulatorState, Fault, Incoming, OperationKind, RecordedRequest, Reply, Service } from './types.ts'

export type { RecordedRequest } from './types.ts'

export interface EmulatorOptions {
  fleet: Fleet
  /** AAD access tokens and GitHub OIDC ID tokens; default 3600. */
  tokenLifetimeSeconds?: number
  /** How long an LRO stays InProgress; default 300. A cluster or pool seed's own `operationDurationMs` overrides it. */
  operationDurationMs?: number
  /** Added to every ARM request; default 0. */
  latencyMs?: number
  /** ARM list page size (nextLink paging); default 100. */
  pageSize?: number
  /** Token the GitHub API accepts; default `ghs_emulator`. */
  githubToken?: string
  /** `owner/repo`; default `octo-org/platform`. */
  repository?: string
  /** The emulator's clock (token expiry, operation timing); default Date.now. Tests skew it to expire tokens. */
  now?: () => number
}

interface OperationFinished {
  resourceId: string
  kind: string
  status: 'Succeeded' | 'Failed'
}

export interface Emulator {
  /** `https://127.0.0.1:PORT` (the certificate also covers `localhost`). */
  url: string
  /** PEM of the self-signed CA that signed the server certificate. */
  caPath: string
  /** Every request, in arrival order. */
  requests: RecordedRequest[]
  /** Answers matching requests before normal routing (`count` times, default once). */
  inject(fault: Fault): void
  /** Live fleet, operations and GitHub issues: for assertions and for tests to mutate. */
  state: EmulatorState
  /** Called synchronously when an LRO ends. */
  onOperationFinished?: (op: OperationFinished) => void
  /** Highest number of ARM requests in flight at once. */
  peakConcurrency: number
  /** The bearer token that ACTIONS_ID_TOKEN_REQUEST_TOKEN must carry. */
  oidcRequestToken: string
  githubToken: string
  repository: string
  stop(): Promise<void>
}

function serviceOf(path: string): Service {
  if (path.startsWith('/_oidc/')) return 'oidc'
  if (path.startsWith(KUBE_PREFIX)) return 'kube'
  if (path === API_PREFIX || path.startsWith(`${API_PREFIX}/`) || path === GRAPHQL_PATH) return 'github'
  const lower = path.toLowerCase()
  if (lower.startsWith('/subscriptions/') || lower.startsWith('/providers/')) return 'arm'
  return 'aad'
}

function parseBody(text: string, contentType: string): unknown {
  if (text === '') return undefined
  if (contentType.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(text))
  try {
    return JSON.parse(text) as unknown
  } catch {
    return text
  }
}

function headerRecord(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value
  }
  return out
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)))
  return Buffer.concat(chunks).toString('utf8')
}

function send(res: ServerResponse, reply: Reply, service: Service): void {
  const headers: Record<string, string> = {}
  if (service === 'arm') {
    headers['cache-control'] = 'no-cache'
    headers.pragma = 'no-cache'
    headers.expires = '-1'
    headers['x-ms-request-id'] = randomUUID()
    headers['x-ms-correlation-request-id'] = randomUUID()
    headers['x-ms-ratelimit-remaining-subscription-reads'] = '249'
    headers['strict-transport-security'] = 'max-age=31536000; includeSubDomains'
  }
  let payload = ''
  if (reply.body !== undefined) {
    if (typeof reply.body === 'string') {
      payload = reply.body
      headers['content-type'] = 'text/plain; charset=utf-8'
    } else {
      payload = JSON.stringify(reply.body)
      headers['content-type'] = 'application/json; charset=utf-8'
    }
  }
  for (const [name, value] of Object.entries(reply.headers ?? {})) headers[name.toLowerCase()] = value
  headers['content-length'] = String(Buffer.byteLength(payload))
  res.writeHead(reply.status, headers)
  res.end(payload)
}

function matches(fault: Fault, method: string, path: string): boolean {
  if (fault.method !== undefined && fault.method.toUpperCase() !== method) return false
  return typeof fault.path === 'string' ? fault.path.toLowerCase() === path.toLowerCase() : fault.path.test(path)
}

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

/** A loopback port nothing listens on (bound, then closed): connecting to it is refused at once. */
async function closedLoopbackPort(): Promise<number> {
  const probe = createTcpServer()
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = probe.address() as AddressInfo
  await new Promise<void>(resolve => probe.close(() => resolve()))
  return port
}

export async function startEmulator(options: EmulatorOptions): Promise<Emulator> {
  const tls = await tlsMaterial()
  const now = options.now ?? Date.now
  const repository = options.repository ?? 'octo-org/platform'
  const githubToken = options.githubToken ?? 'ghs_emulator'
  const latencyMs = options.latencyMs ?? 0
  const faults: Array<Fault & { remaining: number }> = []
  const timers = new Set<NodeJS.Timeout>()
  let inFlight = 0

  const fleet = normalizeFleet(options.fleet)
  const operationDurationMs = options.operationDurationMs ?? 300
  const state: EmulatorState = {
    fleet,
    operations: [],
    fleetManager: createFleetManagerState(fleet, { now, operationDurationMs }),
    github: createGitHubState(repository, now),
    aad: { tokensIssued: 0 }
  }

  const emulator: Emulator = {
    url: '',
    caPath: tls.caPath,
    requests: [],
    state,
    peakConcurrency: 0,
    oidcRequestToken: `oidc-request-${randomUUID()}`,
    githubToken,
    repository,
    inject(fault) {
      faults.push({ ...fault, remaining: fault.count ?? 1 })
    },
    stop: async () => undefined
  }

  const ctx: EmulatorContext = {
    tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 3600,
    operationDurationMs,
    pageSize: options.pageSize ?? 100,
    githubToken,
    repository,
    oidcRequestToken: emulator.oidcRequestToken,
    oidcKey: createJwtKey(),
    aadKey: createJwtKey(),
    caPem: tls.ca,
    closedPort: await closedLoopbackPort(),
    state,
    now,
    scheduleSettle(ms) {
      const timer = setTimeout(() => {
        timers.delete(timer)
        settleOperations(ctx)
      }, ms)
      timers.add(timer)
    },
    onOperationFinished(op) {
      const hook = emulator.onOperationFinished
      if (hook === undefined || op.status === 'InProgress') return
      try {
        hook({ resourceId: op.resourceId, kind: op.kind satisfies OperationKind, status: op.status })
      } catch (error: unknown) {
        process.stderr.write(`emulator: onOperationFinished hook threw: ${String(error)}\n`)
      }
    }
  }
  seedOperations(ctx)

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'https://emulator.invalid')
    const headers = headerRecord(req)
    const text = await readBody(req)
    const method = (req.method ?? 'GET').toUpperCase()
    const service = serviceOf(url.pathname)
    const incoming: Incoming = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      body: parseBody(text, headers['content-type'] ?? ''),
      baseUrl: `https://${headers.host ?? new URL(emulator.url).host}`
    }
    emulator.requests.push({
      method,
      path: incoming.path,
      query: incoming.query,
      headers,
      body: incoming.body,
      at: now(),
      service
    })
    if (service === 'arm') {
      inFlight++
      emulator.peakConcurrency = Math.max(emulator.peakConcurrency, inFlight)
    }
    try {
      if (service === 'arm' && latencyMs > 0) await sleep(latencyMs)
      const fault = faults.find(f => f.remaining > 0 && matches(f, method, incoming.path))
      if (fault !== undefined) {
        fault.remaining--
        if (fault.remaining <= 0) faults.splice(faults.indexOf(fault), 1)
        fault.before?.(state)
        if (fault.delayMs !== undefined) await sleep(fault.delayMs)
        if (fault.drop === true) {
          res.socket?.destroy()
          return
        }
        if (fault.status !== undefined) {
          const reply: Reply = { status: fault.status }
          if (fault.headers !== undefined) reply.headers = fault.headers
          if (fault.body !== undefined) reply.body = fault.body
          send(res, reply, service)
          return
        }
      }
      switch (service) {
        case 'arm':
          send(res, handleArm(ctx, incoming), service)
          break
        case 'aad':
          send(res, handleAad(ctx, incoming), service)
          break
        case 'oidc':
          send(res, handleOidc(ctx, incoming), service)
          break
        case 'github':
          send(res, handleGitHub(state.github, githubToken, now, incoming), service)
          break
        case 'kube':
          send(res, handleKube(ctx, incoming), service)
          break
      }
    } finally {
      if (service === 'arm') inFlight--
    }
  }

  const server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      process.stderr.write(
        `emulator: ${req.method ?? ''} ${req.url ?? ''} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`
      )
      if (!res.headersSent)
        send(res, { status: 500, body: { error: { code: 'InternalServerError', message: 'The emulator failed to handle the request.' } } }, 'arm')
      else res.destroy()
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  emulator.url = `https://127.0.0.1:${port}`
  emulator.stop = async () => {
    for (const timer of timers) clearTimeout(timer)
    timers.clear()
    server.closeAllConnections()
    await new Promise<void>(resolve => server.close(() => resolve()))
  }
  return emulator
}
