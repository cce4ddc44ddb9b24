import type { ErrorInfo } from '../model.js'

/** A bad action input: fails the run before any network call. */
export class InputError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'InputError'
  }
}

/** An operation not started because of someone else's change: reported as pending, not failed. */
export class OutsideChangeError extends Error {
  readonly reason: 'started-outside' | 'changed-outside'
  constructor(reason: 'started-outside' | 'changed-outside', message: string) {
    super(message)
    this.name = 'OutsideChangeError'
    this.reason = reason
  }
}

/** The message of anything thrown, without assuming it is an Error. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message
  if (typeof error === 'string') return error
  try {
    return JSON.stringify(error)
  } catch {
    return String(error)
  }
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined
}

/**
 * Reduce an Azure SDK error to code + message.
 * - RestError: `statusCode`, `code`, `message` (ARM's `{error:{code,message}}` already parsed).
 * - A failed long-running operation is a plain Error whose message is
 *   `The long-running operation has failed. <CODE>. <message>` (AKS-API-NOTES §2).
 */
export function toErrorInfo(error: unknown): ErrorInfo {
  const message = errorMessage(error)
  const status = field(error, 'statusCode')
  const code = field(error, 'code')
  const lro = /^The long-running operation has failed\.\s*([A-Za-z0-9_.]+)\.\s*([\s\S]*)$/.exec(message)
  if (lro?.[1]) {
    return { code: lro[1], message: (lro[2] ?? '').trim() || message }
  }
  const info: ErrorInfo = {
    code: typeof code === 'string' && code.length > 0 ? code : 'Unknown',
    message
  }
  if (typeof status === 'number') info.status = status
  return info
}
