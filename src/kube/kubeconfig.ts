// The parts of an AKS kubeconfig (listClusterUserCredential) pre-flight needs to reach the
// API server: its URL and CA, and the user's own secret when the cluster has local accounts.
// Pure: YAML text in, plain data out.
import { parse } from 'yaml'

export interface ApiServerTarget {
  /** `https://host:443`, maybe with a path prefix. */
  server: string
  /** PEM; absent: the system's trust store. */
  ca?: string
  /** Local accounts: a bearer token, or a client certificate and key (PEM). */
  token?: string
  clientCert?: string
  clientKey?: string
}

type Named<T> = Array<{ name?: unknown } & T>

interface Kubeconfig {
  'current-context'?: unknown
  clusters?: Named<{ cluster?: Record<string, unknown> }>
  contexts?: Named<{ context?: { cluster?: unknown; user?: unknown } }>
  users?: Named<{ user?: Record<string, unknown> }>
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}

function decoded(value: unknown): string | undefined {
  const t = text(value)
  return t === undefined ? undefined : Buffer.from(t, 'base64').toString('utf8')
}

/** The current context's cluster and user; throws with what is missing. */
export function parseKubeconfig(yamlText: string): ApiServerTarget {
  const doc = parse(yamlText) as Kubeconfig | null
  if (!doc || typeof doc !== 'object') throw new Error('the kubeconfig is empty')
  const current = text(doc['current-context'])
  const context = (doc.contexts ?? []).find(c => current === undefined || c.name === current)?.context
  const cluster = (doc.clusters ?? []).find(c => context?.cluster === undefined || c.name === context.cluster)?.cluster
  const server = text(cluster?.server)
  if (!cluster || server === undefined) throw new Error('the kubeconfig names no API server')
  const target: ApiServerTarget = { server }
  const ca = decoded(cluster['certificate-authority-data'])
  if (ca !== undefined) target.ca = ca
  const user = (doc.users ?? []).find(u => context?.user === undefined || u.name === context.user)?.user
  const token = text(user?.token)
  if (token !== undefined) target.token = token
  const cert = decoded(user?.['client-certificate-data'])
  const key = decoded(user?.['client-key-data'])
  if (cert !== undefined && key !== undefined) {
    target.clientCert = cert
    target.clientKey = key
  }
  return target
}
