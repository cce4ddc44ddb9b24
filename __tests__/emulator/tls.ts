// Self-signed CA + server certificate for the emulator, made with the openssl CLI
// (the real SDKs refuse bearer tokens over plain http, so the emulator must speak TLS).
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

export interface TlsMaterial {
  dir: string
  caPath: string
  ca: string
  cert: string
  key: string
}

let cached: Promise<TlsMaterial> | undefined

/** One CA and server certificate per process: openssl takes ~100 ms per key. */
export function tlsMaterial(): Promise<TlsMaterial> {
  cached ??= create().catch((error: unknown) => {
    cached = undefined
    throw error
  })
  return cached
}

async function create(): Promise<TlsMaterial> {
  const dir = await mkdtemp(join(tmpdir(), 'aks-emulator-tls-'))
  const p = (name: string): string => join(dir, name)
  const openssl = async (args: string[]): Promise<void> => {
    await run('openssl', args, { cwd: dir })
  }
  await openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-sha256',
    '-days',
    '2',
    '-subj',
    '/CN=AKS Upgrade Pilot Emulator CA',
    '-keyout',
    p('ca.key'),
    '-out',
    p('ca.pem'),
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign'
  ])
  await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-subj', '/CN=localhost', '-keyout', p('server.key'), '-out', p('server.csr')])
  await writeFile(
    p('server.ext'),
    [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      ''
    ].join('\n')
  )
  await openssl([
    'x509',
    '-req',
    '-in',
    p('server.csr'),
    '-CA',
    p('ca.pem'),
    '-CAkey',
    p('ca.key'),
    '-CAcreateserial',
    '-days',
    '2',
    '-sha256',
    '-extfile',
    p('server.ext'),
    '-out',
    p('server.pem')
  ])
  const [ca, cert, key] = await Promise.all([readFile(p('ca.pem'), 'utf8'), readFile(p('server.pem'), 'utf8'), readFile(p('server.key'), 'utf8')])
  return { dir, caPath: p('ca.pem'), ca, cert, key }
}
