import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ACTION_VERSION } from '../../src/version.ts'

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }

describe('ACTION_VERSION', () => {
  it("is package.json's version (npm run build writes src/version.ts from it)", () => {
    expect(ACTION_VERSION).toBe(version)
  })

  it('is what the bundle reports', () => {
    const bundle = readFileSync(new URL('../../dist/index.js', import.meta.url), 'utf8')
    expect(bundle).toContain(`const ACTION_VERSION = '${version}'`)
  })
})
