// Retries the Azure SDK and @actions/core leave out. ARM answers 429 without Retry-After now
// and then, and the SDK's throttling policy only retries when the header is there; a GET whose
// JSON body arrives cut short fails deserialisation; GitHub's OIDC token service fails with a
// 500 now and then, which @actions/http-client does not retry (it retries 502-504 only).
// Each gets a few tries with exponential back-off and jitter, capped, then the error stands.
import type { PipelinePolicy, PipelineResponse } from '@azure/core-rest-pipeline'

export interface BackoffOptions {
  /** Attempts in all, the first included. */
  tries: number
  /** First delay; doubles each attempt. */
  baseMs: number
  capMs: number
  sleep(ms: number, signal?: AbortSignal): Promise<void>
  /** [0, 1): the jitter. */
  random(): number
}

export const DEFAULT_BACKOFF: Omit<BackoffOptions, 'sleep'> = { tries: 3, baseMs: 1_000, capMs: 30_000, random: Math.random }

/** Delay before attempt `attempt + 1`: base × 2^(attempt-1), capped, with up to half of it as jitter. */
export function backoffDelay(attempt: number, options: Pick<BackoffOptions, 'baseMs' | 'capMs' | 'random'>): number {
  const full = Math.min(options.capMs, options.baseMs * 2 ** (attempt - 1))
  return Math.round(full / 2 + (full / 2) * options.random())
}

const RETRY_AFTER = ['retry-after', 'retry-after-ms', 'x-ms-retry-after-ms']

function unparsableJson(response: PipelineResponse): boolean {
  const type = response.headers.get('content-type') ?? ''
  const text = response.bodyAsText
  if (!type.includes('json') || text === undefined || text === null || text === '') return false
  try {
    JSON.parse(text)
    return false
  } catch {
    return true
  }
}

/** Why a GET's answer is worth another try; undefined when it is not. */
export function retryReason(response: PipelineResponse): string | undefined {
  if (response.status === 429 && !RETRY_AFTER.some(h => response.headers.has(h))) return '429 without Retry-After'
  if (response.status >= 200 && response.status < 300 && unparsableJson(response)) return 'a truncated or unparsable body'
  return undefined
}

/**
 * A pipeline policy for reads (GET only: a write is never sent twice by this policy). It sits
 * outside the SDK's own retries, so it only sees what those gave up on or never looked at.
 */
export function readRetryPolicy(options: BackoffOptions, log: (message: string) => void): PipelinePolicy {
  return {
    name: 'aksUpgradePilotReadRetry',
    async sendRequest(request, next) {
      if (request.method !== 'GET') return next(request)
      for (let attempt = 1; ; attempt++) {
        const response = await next(request)
        const reason = retryReason(response)
        if (reason === undefined || attempt >= options.tries) return response
        const delay = backoffDelay(attempt, options)
        log(
          `GET ${request.url.split('?')[0] ?? ''} got ${reason}; trying again in ${(delay / 1000).toFixed(1)} s (attempt ${attempt + 1} of ${options.tries})`
        )
        await options.sleep(delay)
      }
    }
  }
}

/** Calls `task` until it succeeds, `retryable` says no, or the tries are used up; the last error stands. */
export async function withBackoff<T>(task: () => Promise<T>, retryable: (error: unknown) => boolean, options: BackoffOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await task()
    } catch (error: unknown) {
      if (attempt >= options.tries || !retryable(error)) throw error
      await options.sleep(backoffDelay(attempt, options))
    }
  }
}
