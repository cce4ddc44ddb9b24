// `npm test` lints every workflow (ours and the examples README shows) and action.yml, and
// holds every step that runs this action to action.yml's inputs.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { actionInputs, inputProblems, lint, lintedFiles, ownActionSteps, ROOT, unpinnedUses } from './workflow-lint.ts'

const files = lintedFiles()
const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8')
const workflows = files.filter(f => f !== 'action.yml')

describe('workflow lint (GitHub Actions language service)', () => {
  it('covers our workflows, the examples and action.yml', () => {
    expect(files).toEqual(
      expect.arrayContaining(['.github/workflows/ci.yml', '.github/workflows/release.yml', '.github/workflows/codeql.yml', 'action.yml'])
    )
    expect(files.filter(f => f.startsWith('examples/')).length).toBeGreaterThanOrEqual(5)
  })

  it.each(files)('%s has no errors or warnings', async file => {
    expect(await lint(file, read(file))).toEqual([])
  })

  it('reports what GitHub would reject (so a clean result means something)', async () => {
    const ci = read('.github/workflows/ci.yml')
    const broken = ci
      .replace('runs-on: ubuntu-latest', 'runs-on: ubuntu-latest\n    timeout: 5')
      .replace('steps.pilot.outputs.plan', 'steps.pilot.outputz.plan')
    const found = await lint('.github/workflows/ci.yml', broken)
    expect(found.join('\n')).toMatch(/Unexpected value 'timeout'/)
    expect(found.join('\n')).toMatch(/outputz/)
    const action = await lint('action.yml', read('action.yml').replace('using: node24', 'using: node99'))
    expect(action.join('\n')).toMatch(/node99/)
  })

  it("reports an unknown or missing input of this action, by the language service's own check too", async () => {
    const example = read('examples/weekly-node-images.yml')
    const found = await lint('examples/weekly-node-images.yml', example.replace('timezone:', 'time-zone:').replace(/^\s+client-id:.*\n/m, ''))
    expect(found.join('\n')).toMatch(/Invalid action input 'time-zone'/)
    expect(found.join('\n')).toMatch(/Missing required input `client-id`/)
  })
})

describe("inputs of this action's steps", () => {
  const inputs = actionInputs()

  it.each(workflows)('%s uses only inputs action.yml has, and every required one', file => {
    expect(ownActionSteps(file, read(file)).flatMap(step => inputProblems(step, inputs))).toEqual([])
  })

  it('finds the steps that run this action, by `uses: ./` or any owner at any ref', () => {
    expect(ownActionSteps('ci.yml', read('.github/workflows/ci.yml'))).toHaveLength(1)
    for (const file of workflows.filter(f => f.startsWith('examples/'))) expect(ownActionSteps(file, read(file)).length, file).toBeGreaterThan(0)
    expect(
      ownActionSteps('x.yml', 'jobs:\n  a:\n    steps:\n      - uses: octo-org/aks-upgrade-pilot@0123456789abcdef0123456789abcdef01234567\n')
    ).toHaveLength(1)
    expect(ownActionSteps('x.yml', 'jobs:\n  a:\n    steps:\n      - uses: actions/checkout@v5\n')).toHaveLength(0)
  })

  it('reports unknown and missing inputs', () => {
    const steps = ownActionSteps(
      'x.yml',
      'jobs:\n  a:\n    steps:\n      - uses: ./\n        with:\n          client-id: x\n          tenant-id: y\n          max-paralel: 3\n'
    )
    expect(steps.flatMap(step => inputProblems(step, inputs))).toEqual([
      "x.yml: job a, step 1 (./): unknown input 'max-paralel' (action.yml has no such input)",
      "x.yml: job a, step 1 (./): required input 'subscription-id' is missing"
    ])
  })
})

describe('third-party actions in our workflows', () => {
  it.each(files.filter(f => f.startsWith('.github/workflows/')))('%s pins each by full commit SHA with a version comment', file => {
    expect(unpinnedUses(read(file))).toEqual([])
  })

  it('tells a tag or a short SHA from a pin', () => {
    expect(
      unpinnedUses(
        [
          '      - uses: actions/checkout@v5',
          '      - uses: actions/checkout@08c6903 # v5.0.0',
          '      - uses: actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8',
          '      - uses: actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8 # v5.0.0',
          '        uses: github/codeql-action/init@8aad20d150bbac5944a9f9d289da16a4b0d87c1e # v4.36.2',
          '      - uses: ./'
        ].join('\n')
      )
    ).toEqual([
      'line 1: - uses: actions/checkout@v5',
      'line 2: - uses: actions/checkout@08c6903 # v5.0.0',
      'line 3: - uses: actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8'
    ])
  })
})
