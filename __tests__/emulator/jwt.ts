// Minimal RS256 JWTs for the fake GitHub OIDC issuer and the fake Entra ID token endpoint.
import { createSign, createVerify, generateKeyPairSync, randomUUID } from 'node:crypto'
import type { KeyObject } from 'node:crypto'

export type JwtClaims = Record<string, unknown>

export interface JwtKey {
  kid: string
  privateKey: KeyObject
  publicKey: KeyObject
}

export function createJwtKey(): JwtKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  return { kid: randomUUID(), privateKey, publicKey }
}

const b64url = (input: string | Buffer): string => Buffer.from(input).toString('base64url')

export function signJwt(key: JwtKey, claims: JwtClaims): string {
  const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', kid: key.kid }))
  const payload = b64url(JSON.stringify(claims))
  const signer = createSign('RSA-SHA256')
  signer.update(`${header}.${payload}`)
  return `${header}.${payload}.${signer.sign(key.privateKey).toString('base64url')}`
}

/** Decodes the payload without checking anything (for recording and diagnostics). */
export function decodeJwt(token: string): JwtClaims | undefined {
  const parts = token.split('.')
  if (parts.length !== 3 || parts[1] === undefined) return undefined
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'))
    return isRecord(claims) ? claims : undefined
  } catch {
    return undefined
  }
}

/** The claims when the signature is ours, else undefined. Expiry is the caller's business. */
export function verifyJwt(key: JwtKey, token: string): JwtClaims | undefined {
  const parts = token.split('.')
  if (parts.length !== 3) return undefined
  const [header, payload, signature] = parts as [string, string, string]
  const verifier = createVerify('RSA-SHA256')
  verifier.update(`${header}.${payload}`)
  let valid = false
  try {
    valid = verifier.verify(key.publicKey, Buffer.from(signature, 'base64url'))
  } catch {
    return undefined
  }
  return valid ? decodeJwt(token) : undefined
}

/** The public key as a JWKS entry (served by the fake issuers' `jwks_uri`). */
export function jwk(key: JwtKey): Record<string, unknown> {
  return { ...key.publicKey.export({ format: 'jwk' }), kid: key.kid, use: 'sig', alg: 'RS256', kty: 'RSA' }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
