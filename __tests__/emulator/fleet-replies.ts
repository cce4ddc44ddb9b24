// Fleet Manager replies shared by the routes: common-types error bodies, conditional requests
// (If-Match / If-None-Match, §5) and paging with an absolute nextLink (§1).
import type { CommandError } from './fleet-run-commands.ts'
import type { ValidationError } from './fleet-validate.ts'
import type { EmulatorContext, Incoming, Reply } from './types.ts'

export const FLEET_API_VERSION = '2026-06-01'
const RP = 'Microsoft.ContainerService'

export function fleetError(status: number, code: string, message: string, target?: string): Reply {
  return { status, body: { error: target === undefined ? { code, message } : { code, message, target } } }
}

export const fromValidation = (e: ValidationError): Reply => fleetError(400, e.code, e.message, e.target)
export const fromCommand = (e: CommandError): Reply => fleetError(e.status, e.code, e.message)

export function notFound(type: string, name: string, rg: string): Reply {
  return fleetError(
    404,
    'ResourceNotFound',
    `The Resource '${RP}/${type}/${name}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`
  )
}

export function invalidName(what: string, name: string, rule: string): Reply {
  // Assumption: ARM's code for a name that breaks the path parameter's pattern.
  return fleetError(400, 'InvalidResourceName', `The ${what} name '${name}' is invalid. ${rule}`)
}

export const NAME_RULE = 'It must be 1 to 50 lower-case letters, digits or hyphens, starting and ending with a letter or digit.'

function unquote(tag: string): string {
  return tag
    .trim()
    .replace(/^W\//, '')
    .replace(/^"(.*)"$/, '$1')
}

/** If-Match / If-None-Match (§5): 412 PreconditionFailed with an ARM error body on a mismatch. */
export function precondition(req: Incoming, eTag: string | undefined): Reply | undefined {
  const ifNoneMatch = req.headers['if-none-match']
  if (
    ifNoneMatch !== undefined &&
    ifNoneMatch !== '' &&
    eTag !== undefined &&
    (ifNoneMatch.trim() === '*' || unquote(ifNoneMatch) === unquote(eTag))
  ) {
    return fleetError(412, 'PreconditionFailed', `The resource already exists and the request carries If-None-Match: ${ifNoneMatch}.`)
  }
  const ifMatch = req.headers['if-match']
  if (ifMatch === undefined || ifMatch === '') return undefined
  if (eTag === undefined) return fleetError(412, 'PreconditionFailed', `The resource does not exist and the request carries If-Match: ${ifMatch}.`)
  if (ifMatch.trim() === '*' || unquote(ifMatch) === unquote(eTag)) return undefined
  return fleetError(
    412,
    'PreconditionFailed',
    `The eTag '${ifMatch}' in the If-Match header does not match the resource's current eTag '${eTag}'. Read the resource again and retry.`
  )
}

/** One page of `items`, rendered (only the page's items are). */
export function page<T>(ctx: EmulatorContext, req: Incoming, items: T[], render: (item: T) => unknown): Reply {
  const raw = req.query.$skipToken ?? req.query.$skiptoken
  const offset = raw === undefined ? 0 : Math.max(0, Number.parseInt(raw, 10) || 0)
  const top = Number.parseInt(req.query.$top ?? '', 10)
  // Assumption: `$top` is the page size (nextLink carries on), capped by the emulator's page size.
  const size = Math.max(1, Number.isFinite(top) && top > 0 ? Math.min(top, ctx.pageSize) : ctx.pageSize)
  const body: Record<string, unknown> = { value: items.slice(offset, offset + size).map(render) }
  if (offset + size < items.length) {
    const topPart = Number.isFinite(top) && top > 0 ? `&$top=${top}` : ''
    body.nextLink = `${req.baseUrl}${req.path}?api-version=${FLEET_API_VERSION}${topPart}&$skipToken=${offset + size}`
  }
  return { status: 200, body }
}
