// The retries the SDKs leave out, with an injected sleep: which answers are tried again, how
// long the back-off waits, and that a write is never sent twice.
import { createHttpHeaders, createPipelineRequest, type PipelineResponse } from '@azure/core-rest-pipeline'
import { describe, expect, it } from 'vitest'
import { oidcRetryable } from '../../src/azure/auth.ts'
import { backoffDelay, readRetryPolicy, retryReason, withBackoff } from '../../src/azure/retry.ts'

function response(status: number, headers: Record<string, string> = {}, body?: string): PipelineResponse {
  return { status, headers: createHttpHeaders(headers), request: createPipelineRequest({ url: 'https://management.azure.com/x' }), bodyAsText: body }
}

const JSON_TYPE = { 'content-type': 'application/json; charset=utf-8' }

describe('which answers are tried again', () => {
  it.each([
    { name: '429 without Retry-After', r: response(429, JSON_TYPE, '{"error":{"code":"TooManyRequests"}}'), retry: true },
    { name: '429 with Retry-After (the SDK waits it out)', r: response(429, { 'retry-after': '5' }), retry: false },
    { name: '429 with x-ms-retry-after-ms', r: response(429, { 'x-ms-retry-after-ms': '500' }), retry: false },
    { name: 'a JSON body cut short', r: response(200, JSON_TYPE, '{"value":[{"name":"aks-dev"'), retry: true },
    { name: 'a whole JSON body', r: response(200, JSON_TYPE, '{"value":[]}'), retry: false },
    { name: 'an empty 200', r: response(200, JSON_TYPE, ''), retry: false },
    { name: 'a 404', r: response(404, JSON_TYPE, '{"error":{"code":"ResourceNotFound"}}'), retry: false }
  ])('$name: $retry', ({ r, retry }) => {
    expect(retryReason(r) !== undefined).toBe(retry)
  })
})

describe('back-off', () => {
  it.each([
    { attempt: 1, random: 0, delay: 500 },
    { attempt: 1, random: 0.999, delay: 1000 },
    { attempt: 2, random: 0, delay: 1000 },
    { attempt: 6, random: 0.999, delay: 29985 },
    { attempt: 10, random: 0, delay: 15000 }
  ])('attempt $attempt, jitter $random: $delay ms', ({ attempt, random, delay }) => {
    expect(backoffDelay(attempt, { baseMs: 1000, capMs: 30000, random: () => random })).toBe(delay)
  })
})

describe('readRetryPolicy', () => {
  const options = (slept: number[]) => ({
    tries: 3,
    baseMs: 1000,
    capMs: 30000,
    random: () => 0,
    sleep: async (ms: number) => {
      slept.push(ms)
    }
  })

  it('tries a GET again after a 429 without Retry-After, and gives up after three tries', async () => {
    const slept: number[] = []
    const policy = readRetryPolicy(options(slept), () => {})
    let calls = 0
    const answer = await policy.sendRequest(createPipelineRequest({ url: 'https://management.azure.com/x', method: 'GET' }), async () => {
      calls++
      return response(429, JSON_TYPE, '{}')
    })
    expect(answer.status).toBe(429)
    expect(calls).toBe(3)
    expect(slept).toEqual([500, 1000])
  })

  it('returns the first good answer', async () => {
    const policy = readRetryPolicy(options([]), () => {})
    const answers = [response(429, JSON_TYPE, '{}'), response(200, JSON_TYPE, '{"value":[]}')]
    const answer = await policy.sendRequest(
      createPipelineRequest({ url: 'https://management.azure.com/x', method: 'GET' }),
      async () => answers.shift() ?? response(500)
    )
    expect(answer.status).toBe(200)
  })

  it('never sends a write twice', async () => {
    const policy = readRetryPolicy(options([]), () => {})
    let calls = 0
    await policy.sendRequest(createPipelineRequest({ url: 'https://management.azure.com/x', method: 'PUT' }), async () => {
      calls++
      return response(429, JSON_TYPE, '{}')
    })
    expect(calls).toBe(1)
  })
})

describe('the GitHub OIDC token request', () => {
  // @actions/core's wording; a dropped connection has no status (`Error Code : undefined`).
  const failed = (code: number | undefined): Error =>
    new Error(`Failed to get ID Token. \n \n        Error Code : ${String(code)}\n \n        Error Message: boom`)

  it.each([
    { code: 500, retry: true },
    { code: 503, retry: true },
    { code: 401, retry: false },
    { code: 403, retry: false },
    { code: undefined, retry: true }
  ])('status $code: retried $retry', ({ code, retry }) => {
    expect(oidcRetryable(failed(code))).toBe(retry)
  })

  it('succeeds on the second try after a 500, and stops at once on a 403', async () => {
    const sleep = async (): Promise<void> => {}
    let calls = 0
    const token = await withBackoff(
      async () => {
        calls++
        if (calls === 1) throw failed(500)
        return 'eyJ...'
      },
      oidcRetryable,
      { tries: 3, baseMs: 1000, capMs: 30000, random: () => 0, sleep }
    )
    expect([token, calls]).toEqual(['eyJ...', 2])
    calls = 0
    await expect(
      withBackoff(
        async () => {
          calls++
          throw failed(403)
        },
        oidcRetryable,
        { tries: 3, baseMs: 1000, capMs: 30000, random: () => 0, sleep }
      )
    ).rejects.toThrow(/Error Code : 403/)
    expect(calls).toBe(1)
  })
})
