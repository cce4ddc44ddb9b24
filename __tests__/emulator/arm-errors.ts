// ARM's error bodies, shared by the Microsoft.ContainerService routes (arm.ts) and the
// pre-flight routes of other providers (preflight-arm.ts).
import type { Reply } from './types.ts'

/** ARM front door shape (auth, api-version, routing, unknown resources). */
export function armError(status: number, code: string, message: string, headers?: Record<string, string>): Reply {
  return headers === undefined ? { status, body: { error: { code, message } } } : { status, headers, body: { error: { code, message } } }
}

/** The AKS resource provider answers its own validation and conflict errors flat (as real AKS does). */
export function rpError(status: number, code: string, message: string): Reply {
  return { status, body: { code, details: null, message, subcode: '' } }
}

export function forbidden(oid: string, action: string, scope: string): Reply {
  return armError(
    403,
    'AuthorizationFailed',
    `The client '${oid}' with object id '${oid}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`
  )
}
