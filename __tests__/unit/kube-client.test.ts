// The Kubernetes client's failure modes on the loopback address only: no traffic leaves
// this machine. A refused connection is "not reachable" at once, not after a long timeout.
import { createServer } from 'node:net'
import { describe, expect, it } from 'vitest'
import { KubeClient, KubeUnreachableError } from '../../src/kube/client.ts'

async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  await new Promise<void>(resolve => server.close(() => resolve()))
  return port
}

describe('KubeClient', () => {
  it('reports a closed port as not reachable', async () => {
    const client = new KubeClient({ server: `https://127.0.0.1:${await closedPort()}` }, { connectTimeoutMs: 5_000, requestTimeoutMs: 30_000 })
    await expect(client.list('/apis/policy/v1/poddisruptionbudgets')).rejects.toBeInstanceOf(KubeUnreachableError)
  })

  it('gives up on a server that accepts but never completes TLS within the connect timeout', async () => {
    const silent = createServer(() => {})
    await new Promise<void>(resolve => silent.listen(0, '127.0.0.1', resolve))
    const address = silent.address()
    const port = typeof address === 'object' && address !== null ? address.port : 0
    try {
      const client = new KubeClient({ server: `https://127.0.0.1:${port}` }, { connectTimeoutMs: 50, requestTimeoutMs: 30_000 })
      await expect(client.getText('/metrics')).rejects.toThrow(/no connection to 127\.0\.0\.1:\d+ within 0\.05 s/)
    } finally {
      silent.close()
    }
  })

  it('refuses a server that is not HTTPS', async () => {
    const client = new KubeClient({ server: 'http://127.0.0.1:8080' }, { connectTimeoutMs: 5_000, requestTimeoutMs: 30_000 })
    await expect(client.getText('/metrics')).rejects.toThrow(/is not HTTPS/)
  })
})
