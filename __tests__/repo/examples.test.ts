// README shows the workflows of examples/ exactly as they are, and each of them passes the
// action's own input validation (the same readConfig a run starts with).
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { readConfig } from '../../src/config/inputs.ts'
import { actionInputs, ownActionSteps, ROOT } from './workflow-lint.ts'

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
const examples = readdirSync(join(ROOT, 'examples'))
  .filter(f => f.endsWith('.yml'))
  .sort()
const text = (file: string): string => readFileSync(join(ROOT, 'examples', file), 'utf8')

/** The ```yaml blocks of a Markdown text that are whole workflows (they have `jobs:`). */
function workflowBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```ya?ml\n([\s\S]*?)^```$/gm)]
    .map(m => m[1] ?? '')
    .filter(block => {
      const doc: unknown = parse(block)
      return typeof doc === 'object' && doc !== null && 'jobs' in doc
    })
}

/** Why README's workflows and examples/ differ; empty when each shows the other exactly. */
function drift(markdown: string, files: Record<string, string>): string[] {
  const blocks = workflowBlocks(markdown)
  const problems: string[] = []
  for (const [file, content] of Object.entries(files)) {
    if (!blocks.includes(content)) problems.push(`README does not show examples/${file} as it is`)
  }
  const contents = new Set(Object.values(files))
  for (const block of blocks) {
    if (!contents.has(block))
      problems.push(`README shows a workflow that is not in examples/: ${block.split('\n').find(l => l.startsWith('name:')) ?? block.slice(0, 60)}`)
  }
  return problems
}

describe('README and examples/', () => {
  const files = Object.fromEntries(examples.map(f => [f, text(f)]))

  it('holds the six workflows README promises', () => {
    expect(examples).toEqual([
      'discovery-across-subscriptions.yml',
      'fleet-engine.yml',
      'hourly-fire-and-forget.yml',
      'patch-and-minor-with-approval.yml',
      'rings.yml',
      'weekly-node-images.yml'
    ])
  })

  it('shows every example exactly, and no workflow that is not one', () => {
    expect(drift(readme, files)).toEqual([])
  })

  it('notices an edited example and a workflow README has on its own', () => {
    const edited = readme.replace('node-image-min-age-days: 3', 'node-image-min-age-days: 4')
    expect(drift(edited, files)).toEqual([
      'README does not show examples/weekly-node-images.yml as it is',
      'README shows a workflow that is not in examples/: name: AKS node images'
    ])
  })
})

describe('the inputs of each example', () => {
  const defaults = Object.fromEntries(
    Object.entries(actionInputs()).map(([name, spec]) => [name, spec.default === undefined ? '' : String(spec.default)])
  )
  let ids = 0
  /** `${{ vars.X }}` and the like become distinct GUIDs, as the runner would substitute values. */
  const substituted = (value: unknown): string =>
    String(value).replace(/\$\{\{[^}]*\}\}/g, () => `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}`)

  it.each(examples)('examples/%s passes the validation a run starts with', file => {
    const steps = ownActionSteps(file, text(file))
    expect(steps.length).toBeGreaterThan(0)
    for (const step of steps) {
      const given: Record<string, string> = { ...defaults, 'github-token': 'ghs_example' }
      for (const [name, value] of Object.entries(step.with)) given[name] = substituted(value)
      expect(
        () => readConfig(name => given[name] ?? '', { GITHUB_REPOSITORY: 'octo-org/platform', GITHUB_WORKFLOW: 'AKS upgrades' }),
        step.where
      ).not.toThrow()
    }
  })

  it('would catch a value the action refuses', () => {
    const given: Record<string, string> = {
      ...defaults,
      'client-id': 'a',
      'tenant-id': 'b',
      'subscription-id': 'c',
      'maintenance-window': 'Sat 22:00-28:00'
    }
    expect(() => readConfig(name => given[name] ?? '', {})).toThrow()
  })
})
