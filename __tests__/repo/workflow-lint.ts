// Lints workflow files and action.yml with GitHub's own language service (@actions/languageservice,
// the engine of the GitHub Actions extension for VS Code: GitHub's workflow and action schemas,
// expressions and their contexts, cron syntax, `uses:` format, and the inputs of referenced
// actions), and checks every step that runs this action against action.yml's inputs.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { validate } from '@actions/languageservice'
import { clearCacheEntry } from '@actions/languageservice/utils/workflow-cache'
import { TextDocument } from 'vscode-languageserver-textdocument'
import { parse } from 'yaml'

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** Every workflow and action file `npm test` lints, relative to the repository. */
export function lintedFiles(): string[] {
  const yamls = (dir: string): string[] =>
    readdirSync(join(ROOT, dir))
      .filter(f => /\.ya?ml$/.test(f))
      .sort()
      .map(f => `${dir}/${f}`)
  return [...yamls('.github/workflows'), ...yamls('examples'), 'action.yml']
}

interface InputSpec {
  description?: string
  required?: boolean
  default?: unknown
}

export function actionInputs(): Record<string, InputSpec> {
  const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as { inputs?: Record<string, InputSpec | null> }
  return Object.fromEntries(Object.entries(action.inputs ?? {}).map(([name, spec]) => [name, spec ?? {}]))
}

/** `uses:` of this action: the checkout itself, or any owner's aks-upgrade-pilot at any ref. */
function isOwnAction(uses: string): boolean {
  return uses === './' || uses === '.' || /^[^/@\s]+\/aks-upgrade-pilot@\S+$/.test(uses)
}

export interface OwnStep {
  where: string
  with: Record<string, unknown>
}

/** Every step in `text` (a workflow) that runs this action. */
export function ownActionSteps(file: string, text: string): OwnStep[] {
  const doc = parse(text) as { jobs?: Record<string, { steps?: unknown[] } | null> } | null
  const steps: OwnStep[] = []
  for (const [job, spec] of Object.entries(doc?.jobs ?? {})) {
    for (const [index, step] of (spec?.steps ?? []).entries()) {
      if (typeof step !== 'object' || step === null || !('uses' in step) || typeof step.uses !== 'string' || !isOwnAction(step.uses)) continue
      const given = 'with' in step && typeof step.with === 'object' && step.with !== null ? (step.with as Record<string, unknown>) : {}
      steps.push({ where: `${file}: job ${job}, step ${index + 1} (${step.uses})`, with: given })
    }
  }
  return steps
}

/** Unknown inputs and missing required ones of a step that runs this action. */
export function inputProblems(step: OwnStep, inputs: Record<string, InputSpec>): string[] {
  const problems: string[] = []
  for (const name of Object.keys(step.with)) {
    if (!(name in inputs)) problems.push(`${step.where}: unknown input '${name}' (action.yml has no such input)`)
  }
  for (const [name, spec] of Object.entries(inputs)) {
    if (spec.required === true && spec.default === undefined && !(name in step.with))
      problems.push(`${step.where}: required input '${name}' is missing`)
  }
  return problems
}

const ERROR = 1
const WARNING = 2

/** The language service's errors and warnings for one file, as `file:line:column message`. */
export async function lint(file: string, text: string): Promise<string[]> {
  const inputs = actionInputs()
  // Third-party actions are not fetched (no network in tests): their inputs go unchecked here.
  const actionsMetadataProvider = {
    fetchActionMetadata: async (ref: { owner: string; name: string }) =>
      ref.name === 'aks-upgrade-pilot'
        ? {
            name: 'AKS Upgrade Pilot',
            description: '',
            inputs: Object.fromEntries(
              Object.entries(inputs).map(([name, spec]) => [
                name,
                {
                  description: spec.description ?? '',
                  required: spec.required === true,
                  ...(spec.default === undefined ? {} : { default: String(spec.default) })
                }
              ])
            )
          }
        : { name: ref.name, description: '' }
  }
  // The service caches parses by URI (the editor's document), and tests lint edited copies.
  const uri = `file://${join(ROOT, file)}`
  clearCacheEntry(uri)
  const diagnostics = await validate(TextDocument.create(uri, 'yaml', 1, text), { actionsMetadataProvider })
  return diagnostics
    .filter(d => d.severity === undefined || d.severity === ERROR || d.severity === WARNING)
    .map(d => `${file}:${d.range.start.line + 1}:${d.range.start.character + 1} ${d.message}`)
}

/** `uses:` lines of third-party actions not pinned to a full commit SHA with a `# vX.Y.Z` comment. */
export function unpinnedUses(text: string): string[] {
  const problems: string[] = []
  for (const [index, line] of text.split('\n').entries()) {
    const m = /^\s*(?:-\s+)?uses:\s*['"]?([^\s'"#]+)['"]?\s*(#.*)?$/.exec(line)
    const uses = m?.[1]
    if (uses === undefined || uses.startsWith('./') || uses === '.' || uses.startsWith('docker://')) continue
    const pinned = /^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[0-9a-f]{40}$/.test(uses) && /^#\s*v\d+\.\d+\.\d+\b/.test(m?.[2] ?? '')
    if (!pinned) problems.push(`line ${index + 1}: ${line.trim()}`)
  }
  return problems
}
