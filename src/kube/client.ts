// A read-only Kubernetes API client for pre-flight: GETs over HTTPS with the cluster's own CA,
// a short connect timeout (a private cluster's API server is usually unreachable from a
// hosted runner, and must not stall the run) and `limit`/`continue` paging. It never writes,
// and never runs anything in the cluster.
import { Agent, request } from 'node:https'
import { createSecureContext, type SecureContext } from 'node:tls'
import type { ApiServerTarget } from './kubeconfig.js'

export interface KubeClientOptions {
  /** Bearer token for Entra-integrated clusters; a local account's own secret otherwise. */
  token?: string
  connectTimeoutMs: number
  requestTimeoutMs: number
}

/** The API server answered with an error status. */
export class KubeStatusError extends Error {
  readonly status: number
  constructor(status: number, message: string) {
    super(message)
    this.name = 'KubeStatusError'
    this.status = status
  }
}

/** The API server could not be reached at all (refused, timed out, name not resolved). */
export class KubeUnreachableError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'KubeUnreachableError'
  }
}

const PAGE = 500

export class KubeClient {
  private readonly target: ApiServerTarget
  private readonly options: KubeClientOptions
  private context: SecureContext | undefined
  /**
   * A fresh connection for each request, as `agent: false` gives, but through one agent for
   * this client: `agent: false` makes an agent per request, each caching the TLS sessions
   * the server sends, and at a thousand clusters those agents and sessions were about 8 MB
   * that only a full garbage collection frees. No session is cached, so no request resumes
   * another's session, as before.
   */
  private readonly agent = new Agent({ keepAlive: false, maxCachedSessions: 0 })

  constructor(target: ApiServerTarget, options: KubeClientOptions) {
    this.target = target
    this.options = options
  }

  /**
   * The cluster's CA (and client certificate), parsed once for all of this client's requests:
   * a context per request is native memory the garbage collector does not see, and at a
   * thousand clusters it adds up to tens of megabytes.
   */
  private secureContext(): SecureContext | undefined {
    if (this.target.ca === undefined && this.target.clientCert === undefined) return undefined
    this.context ??= createSecureContext({
      ...(this.target.ca !== undefined ? { ca: this.target.ca } : {}),
      ...(this.target.clientCert !== undefined ? { cert: this.target.clientCert, key: this.target.clientKey } : {})
    })
    return this.context
  }

  /** GET a path; the body as text. */
  async getText(path: string): Promise<string> {
    const base = this.target.server.replace(/\/+$/, '')
    const url = new URL(`${base}${path}`)
    if (url.protocol !== 'https:') throw new KubeUnreachableError(`the API server ${base} is not HTTPS`)
    const token = this.options.token ?? this.target.token
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'aks-upgrade-pilot' }
    if (token !== undefined) headers.authorization = `Bearer ${token}`
    return new Promise<string>((resolve, reject) => {
      const req = request(url, {
        method: 'GET',
        headers,
        ...(this.secureContext() !== undefined ? { secureContext: this.secureContext() } : {}),
        timeout: this.options.requestTimeoutMs,
        // A fresh connection each time (the agent keeps none alive): the connect timeout below
        // waits for its TLS handshake, which a kept-alive socket would never emit again.
        agent: this.agent
      })
      const connect = setTimeout(
        () => req.destroy(new KubeUnreachableError(`no connection to ${url.host} within ${this.options.connectTimeoutMs / 1000} s`)),
        this.options.connectTimeoutMs
      )
      req.on('socket', socket => {
        socket.once('secureConnect', () => clearTimeout(connect))
      })
      req.on('timeout', () => req.destroy(new KubeUnreachableError(`${url.host} did not answer within ${this.options.requestTimeoutMs / 1000} s`)))
      req.on('error', (error: Error) => {
        clearTimeout(connect)
        reject(error instanceof KubeUnreachableError ? error : new KubeUnreachableError(`${url.host}: ${error.message}`))
      })
      req.on('response', res => {
        clearTimeout(connect)
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('error', reject)
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8')
          const status = res.statusCode ?? 0
          if (status >= 400) reject(new KubeStatusError(status, statusMessage(status, body)))
          else resolve(body)
        })
      })
      req.end()
    })
  }

  /** Every item of a list, page by page. */
  async list(path: string, query: Record<string, string> = {}): Promise<unknown[]> {
    const items: unknown[] = []
    let next: string | undefined
    do {
      const params = new URLSearchParams({ ...query, limit: String(PAGE) })
      if (next) params.set('continue', next)
      const body = JSON.parse(await this.getText(`${path}?${params.toString()}`)) as { items?: unknown; metadata?: { continue?: unknown } }
      if (Array.isArray(body.items)) items.push(...(body.items as unknown[]))
      next = typeof body.metadata?.continue === 'string' && body.metadata.continue !== '' ? body.metadata.continue : undefined
    } while (next)
    return items
  }
}

/** A Kubernetes `Status` body's message, else the status alone. */
function statusMessage(status: number, body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown }
    if (typeof parsed.message === 'string') return `${status}: ${parsed.message}`
  } catch {
    // Not JSON: the status says enough.
  }
  return `the API server answered ${status}`
}
