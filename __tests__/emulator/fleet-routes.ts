// Fleet Manager routes (FLEET-API-NOTES §2): fleets, members, update strategies, update runs
// (start/stop/skip), gates, and the LRO monitor/Location URLs of the async mode. Errors are
// common-types `{error:{code,message,target?}}`; the codes Fleet doesn't document are ARM's usual
// ones (§6), assumptions. Only api-version 2026-06-01 is served.
import { randomUUID } from 'node:crypto'
import { forbidden } from './arm-errors.ts'
import { definitionKey, groupSizes, putRun, resolveRunBody, settleFleetManagers, systemData, touch } from './fleet-manager.ts'
import type { FleetOperationRecord, LiveFleetManager } from './fleet-manager.ts'
import { completeGateInRun, runHasActiveMembers, skipInRun, startRun, stopRun } from './fleet-run-commands.ts'
import type { CommandError, SkipTarget } from './fleet-run-commands.ts'
import { newETag, runEnvironment } from './fleet-upgrade.ts'
import { isValidationError, parseStrategy, validGateName, validName } from './fleet-validate.ts'
import { FLEET_API_VERSION, fleetError, fromCommand, fromValidation, invalidName, NAME_RULE, notFound, page, precondition } from './fleet-replies.ts'
import { fleetToWire, gateToWire, memberToWire, runToWire, strategyToWire } from './fleet-wire.ts'
import { isRecord } from './jwt.ts'
import { pathSegments } from './paths.ts'
import { armTime } from './types.ts'
import type { EmulatorContext, Incoming, Reply } from './types.ts'

const RP = 'Microsoft.ContainerService'
const SUPPORTED = ['2023-10-15', '2024-04-01', '2025-03-01', FLEET_API_VERSION]

type Child = 'members' | 'updateStrategies' | 'updateRuns' | 'gates' | 'autoUpgradeProfiles'
type Route =
  | { kind: 'fleets'; sub: string; rg?: string }
  | { kind: 'operation'; sub: string; rg: string; location: string; id: string; result: boolean }
  | { kind: 'fleet'; sub: string; rg: string; fleet: string }
  | { kind: 'list'; sub: string; rg: string; fleet: string; child: Child }
  | { kind: 'item'; sub: string; rg: string; fleet: string; child: Child; name: string }
  | { kind: 'action'; sub: string; rg: string; fleet: string; name: string; action: 'start' | 'stop' | 'skip' }

const CHILDREN: Record<string, Child> = {
  members: 'members',
  updatestrategies: 'updateStrategies',
  updateruns: 'updateRuns',
  gates: 'gates',
  autoupgradeprofiles: 'autoUpgradeProfiles'
}

function parseRoute(path: string): Route | undefined {
  const { seg, low } = pathSegments(path)
  const sub = seg[1]
  if (low[0] !== 'subscriptions' || sub === undefined) return undefined
  const rp = RP.toLowerCase()
  if (low[2] === 'providers' && low[3] === rp && low[4] === 'fleets' && seg.length === 5) return { kind: 'fleets', sub }
  const rg = seg[3]
  if (low[2] !== 'resourcegroups' || rg === undefined || low[4] !== 'providers' || low[5] !== rp) return undefined
  if (low[6] === 'locations' && seg[7] !== undefined && seg[9] !== undefined && seg.length === 10) {
    if (low[8] === 'operations' || low[8] === 'operationresults')
      return { kind: 'operation', sub, rg, location: seg[7], id: seg[9], result: low[8] === 'operationresults' }
    return undefined
  }
  if (low[6] !== 'fleets') return undefined
  const fleet = seg[7]
  if (fleet === undefined) return seg.length === 7 ? { kind: 'fleets', sub, rg } : undefined
  if (seg.length === 8) return { kind: 'fleet', sub, rg, fleet }
  const child = CHILDREN[low[8] ?? '']
  if (child === undefined) return undefined
  if (seg.length === 9) return { kind: 'list', sub, rg, fleet, child }
  const name = seg[9]
  if (name === undefined) return undefined
  if (seg.length === 10) return { kind: 'item', sub, rg, fleet, child, name }
  const action = low[10]
  if (seg.length === 11 && child === 'updateRuns' && (action === 'start' || action === 'stop' || action === 'skip'))
    return { kind: 'action', sub, rg, fleet, name, action }
  return undefined
}

function methodsOf(route: Route): string[] {
  if (route.kind === 'action') return ['POST']
  if (route.kind !== 'item') return ['GET']
  switch (route.child) {
    case 'members':
    case 'gates':
      return ['GET', 'PATCH']
    case 'updateStrategies':
    case 'updateRuns':
      return ['GET', 'PUT', 'DELETE']
    case 'autoUpgradeProfiles':
      return ['GET']
  }
}

// ---------------------------------------------------------------------------
// Replies

function operationUrl(req: Incoming, fm: LiveFleetManager, id: string, segment: 'operations' | 'operationResults'): string {
  return `${req.baseUrl}/subscriptions/${fm.subscriptionId}/resourceGroups/${fm.resourceGroup}/providers/${RP}/locations/${fm.location}/${segment}/${id}?api-version=${FLEET_API_VERSION}`
}

type Written = { kind: 'run' | 'gate' | 'member' | 'strategy'; name: string } | undefined

/**
 * A write's answer. Sync: `status` with the body. Async: PUTs keep their 200/201 and add
 * Azure-AsyncOperation; everything else answers 202 with Azure-AsyncOperation + Location
 * (whose final GET answers 200 with the resource) + Retry-After: 0.
 */
function written(ctx: EmulatorContext, req: Incoming, fm: LiveFleetManager, status: number, body: unknown, target: Written, eTag?: string): Reply {
  const headers: Record<string, string> = eTag === undefined ? {} : { etag: eTag }
  if (fm.seed.lroMode !== 'async') return body === undefined ? { status, headers } : { status, headers, body }
  const now = ctx.now()
  const op: FleetOperationRecord = {
    id: randomUUID(),
    subscriptionId: fm.subscriptionId,
    resourceGroup: fm.resourceGroup,
    location: fm.location,
    startTime: now,
    endTime: now
  }
  if (target !== undefined) op.result = { ...target, fleetId: fm.id }
  ctx.state.fleetManager.operations.push(op)
  const aao = operationUrl(req, fm, op.id, 'operations')
  if (req.method === 'PUT') return { status, headers: { ...headers, 'azure-asyncoperation': aao, 'retry-after': '0' }, body }
  return { status: 202, headers: { 'azure-asyncoperation': aao, location: operationUrl(req, fm, op.id, 'operationResults'), 'retry-after': '0' } }
}

function operationReply(ctx: EmulatorContext, route: Extract<Route, { kind: 'operation' }>): Reply {
  const op = ctx.state.fleetManager.operations.find(
    o => o.id.toLowerCase() === route.id.toLowerCase() && o.subscriptionId.toLowerCase() === route.sub.toLowerCase()
  )
  if (op === undefined) return fleetError(404, 'NotFound', `Operation '${route.id}' was not found in location '${route.location}'.`)
  if (!route.result) {
    return {
      status: 200,
      body: {
        id: `/subscriptions/${op.subscriptionId}/resourceGroups/${op.resourceGroup}/providers/${RP}/locations/${op.location}/operations/${op.id}`,
        name: op.id,
        status: 'Succeeded',
        startTime: armTime(op.startTime),
        endTime: armTime(op.endTime),
        percentComplete: 100
      }
    }
  }
  const result = op.result
  const fm = result === undefined ? undefined : ctx.state.fleetManager.fleets.find(f => f.id === result.fleetId)
  if (result === undefined || fm === undefined) return { status: 200 }
  const body = resourceBody(ctx, fm, result.kind, result.name)
  return body === undefined ? { status: 200 } : { status: 200, body }
}

function resourceBody(ctx: EmulatorContext, fm: LiveFleetManager, kind: 'run' | 'gate' | 'member' | 'strategy', name: string): unknown {
  switch (kind) {
    case 'run': {
      const run = fm.runs.find(r => r.name === name)
      return run === undefined ? undefined : runToWire(run)
    }
    case 'gate': {
      const gate = fm.gates.find(g => g.name === name)
      return gate === undefined ? undefined : gateToWire(fm, gate)
    }
    case 'member': {
      const member = fm.members.find(m => m.name === name)
      return member === undefined ? undefined : memberToWire(ctx.state, fm, member)
    }
    case 'strategy': {
      const strategy = fm.strategies.find(s => s.name === name)
      return strategy === undefined ? undefined : strategyToWire(fm, strategy)
    }
  }
}

// ---------------------------------------------------------------------------
// Entry

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase()

function actionFor(route: Route, method: string): string {
  const verb = method === 'GET' ? 'read' : method === 'DELETE' ? 'delete' : 'write'
  if (route.kind === 'fleets' || route.kind === 'fleet') return `${RP}/fleets/read`
  if (route.kind === 'operation') return `${RP}/locations/${route.result ? 'operationresults' : 'operations'}/read`
  if (route.kind === 'action') return `${RP}/fleets/updateRuns/${route.action}/action`
  return `${RP}/fleets/${route.child}/${verb}`
}

/** Answers a request on a Fleet Manager path (`isFleetManagerPath`), authenticated by handleArm. */
export function handleFleetManager(ctx: EmulatorContext, req: Incoming, callerOid: string): Reply {
  // handleArm has brought the runs to the clock (settleFleetManagers) before routing here.
  const route = parseRoute(req.path)
  const apiVersion = req.query['api-version'] ?? ''
  if (apiVersion !== FLEET_API_VERSION) {
    return fleetError(
      400,
      'NoRegisteredProviderFound',
      `No registered resource provider found for location '${route !== undefined && route.kind === 'operation' ? route.location : 'westeurope'}' and API version '${apiVersion}' for type 'fleets'. The supported api-versions are '${SUPPORTED.join(', ')}'.`
    )
  }
  if (route === undefined) {
    const last =
      req.path
        .split('/')
        .filter(s => s !== '')
        .at(-1) ?? ''
    return fleetError(
      404,
      'InvalidResourceType',
      `The resource type '${last}' could not be found in the namespace '${RP}' for api version '${apiVersion}'.`
    )
  }
  if (!methodsOf(route).includes(req.method))
    return fleetError(405, 'MethodNotAllowed', `The requested resource does not support http method '${req.method}'.`)
  const { fleet: seeds, fleetManager } = ctx.state
  const subKnown =
    Object.keys(seeds.subscriptions ?? {}).some(s => same(s, route.sub)) ||
    seeds.clusters.some(c => same(c.subscriptionId, route.sub)) ||
    fleetManager.fleets.some(f => same(f.subscriptionId, route.sub))
  if (!subKnown) return fleetError(404, 'SubscriptionNotFound', `The subscription '${route.sub}' could not be found.`)
  const scope = route.kind === 'fleets' && route.rg === undefined ? `/subscriptions/${route.sub}` : req.path
  if (Object.entries(seeds.subscriptions ?? {}).some(([id, s]) => same(id, route.sub) && s.forbidden === true)) {
    return forbidden(callerOid, actionFor(route, req.method), scope)
  }
  if (route.kind === 'operation') return operationReply(ctx, route)
  const rg = route.rg
  if (rg !== undefined) {
    const extra = Object.entries(seeds.subscriptions ?? {}).find(([id]) => same(id, route.sub))?.[1].resourceGroups ?? []
    const rgKnown =
      extra.some(g => same(g, rg)) ||
      seeds.clusters.some(c => same(c.subscriptionId, route.sub) && same(c.resourceGroup, rg)) ||
      fleetManager.fleets.some(f => same(f.subscriptionId, route.sub) && same(f.resourceGroup, rg))
    if (!rgKnown) return fleetError(404, 'ResourceGroupNotFound', `Resource group '${rg}' could not be found.`)
  }
  if (route.kind === 'fleets') {
    const fleets = fleetManager.fleets.filter(f => same(f.subscriptionId, route.sub) && (rg === undefined || same(f.resourceGroup, rg)))
    return page(ctx, req, fleets, fleetToWire)
  }
  if (!validName(route.fleet, 63)) return invalidName('fleet', route.fleet, NAME_RULE.replace('50', '63'))
  const fm = fleetManager.fleets.find(f => same(f.subscriptionId, route.sub) && same(f.resourceGroup, route.rg) && same(f.name, route.fleet))
  if (fm === undefined) return notFound('fleets', route.fleet, route.rg)
  if (route.kind === 'fleet') return { status: 200, body: fleetToWire(fm) }
  if (route.kind === 'list') return listChildren(ctx, req, fm, route.child)
  if (!validName(route.name) && !(route.kind === 'item' && route.child === 'gates')) return invalidName('resource', route.name, NAME_RULE)
  if (route.kind === 'action') return runAction(ctx, req, fm, route.name, route.action, callerOid)
  switch (route.child) {
    case 'members':
      return memberRoute(ctx, req, fm, route.name, callerOid)
    case 'updateStrategies':
      return strategyRoute(ctx, req, fm, route.name, callerOid)
    case 'updateRuns':
      return runRoute(ctx, req, fm, route.name, callerOid)
    case 'gates':
      if (!validGateName(route.name)) return invalidName('gate', route.name, 'It must be a lower-case GUID (36 characters).')
      return gateRoute(ctx, req, fm, route.name, callerOid)
    case 'autoUpgradeProfiles':
      return notFound('fleets/autoUpgradeProfiles', `${fm.name}/${route.name}`, fm.resourceGroup)
  }
}

function listChildren(ctx: EmulatorContext, req: Incoming, fm: LiveFleetManager, child: Child): Reply {
  switch (child) {
    case 'members':
      // `$filter` (grammar undocumented, §11) is ignored: every member is listed.
      return page(ctx, req, fm.members, m => memberToWire(ctx.state, fm, m))
    case 'updateStrategies':
      return page(ctx, req, fm.strategies, s => strategyToWire(fm, s))
    case 'updateRuns':
      return page(ctx, req, fm.runs, runToWire)
    case 'gates':
      return page(ctx, req, fm.gates, g => gateToWire(fm, g))
    case 'autoUpgradeProfiles':
      return page(ctx, req, [], x => x)
  }
}

// ---------------------------------------------------------------------------
// Members

function memberRoute(ctx: EmulatorContext, req: Incoming, fm: LiveFleetManager, name: string, who: string): Reply {
  const member = fm.members.find(m => m.name === name)
  if (member === undefined) return notFound('fleets/members', `${fm.name}/${name}`, fm.resourceGroup)
  if (req.method === 'GET') return { status: 200, headers: { etag: member.eTag }, body: memberToWire(ctx.state, fm, member) }
  const refused = precondition(req, member.eTag)
  if (refused !== undefined) return refused
  const body = req.body
  if (!isRecord(body) || !isRecord(body.properties))
    return fleetError(400, 'InvalidRequestContent', "The request content must be {'properties': {'group'?, 'labels'?}}.")
  const { group, labels } = body.properties
  if (group !== undefined && group !== null && (typeof group !== 'string' || !validName(group))) {
    return fleetError(400, 'InvalidRequestContent', `properties.group '${String(group)}' is invalid. ${NAME_RULE}`, 'properties.group')
  }
  let nextLabels: Record<string, string> | undefined
  if (labels !== undefined && labels !== null) {
    if (!isRecord(labels) || Object.values(labels).some(v => typeof v !== 'string')) {
      return fleetError(400, 'InvalidRequestContent', 'properties.labels must map strings to strings.', 'properties.labels')
    }
    // Assumption: Fleet's own labels can't be set by users.
    const reserved = Object.keys(labels).find(k => k.startsWith('fleet.azure.com/'))
    if (reserved !== undefined) return fleetError(400, 'BadRequest', `Label '${reserved}' is reserved for Fleet.`, 'properties.labels')
    nextLabels = labels as Record<string, string>
  }
  // Assumption: `group: null` removes the member's group.
  if (group === null) delete member.group
  else if (typeof group === 'string') member.group = group
  if (nextLabels !== undefined) member.labels = { ...nextLabels }
  member.eTag = newETag()
  member.lastOperationId = randomUUID()
  touch(member.systemData, who, ctx.now())
  return written(ctx, req, fm, 200, memberToWire(ctx.state, fm, member), { kind: 'member', name }, member.eTag)
}

// ---------------------------------------------------------------------------
// Update strategies

function strategyRoute(ctx: EmulatorContext, req: Incoming, fm: LiveFleetManager, name: string, who: string): Reply {
  const existing = fm.strategies.find(s => s.name === name)
  if (req.method === 'GET') {
    return existing === undefined
      ? notFound('fleets/updateStrategies', `${fm.name}/${name}`, fm.resourceGroup)
      : { status: 200, headers: { etag: existing.eTag }, body: strategyToWire(fm, existing) }
  }
  const refused = precondition(req, existing?.eTag)
  if (refused !== undefined) return refused
  if (req.method === 'DELETE') {
    if (existing === undefined) return { status: 204 }
    fm.strategies.splice(fm.strategies.indexOf(existing), 1)
    return written(ctx, req, fm, 200, undefined, undefined)
  }
  const body = req.body
  if (!isRecord(body) || !isRecord(body.properties)) {
    return fleetError(
      400,
      'InvalidRequestContent',
      "The request content was invalid and could not be deserialized: 'Missing required property properties'."
    )
  }
  const strategy = parseStrategy(body.properties.strategy, groupSizes(fm), 'properties.strategy')
  if (isValidationError(strategy)) return fromValidation(strategy)
  const now = ctx.now()
  const record = existing ?? { name, strategy, eTag: '', systemData: systemData(who, now) }
  record.strategy = strategy
  record.eTag = newETag()
  touch(record.systemData, who, now)
  if (existing === undefined) fm.strategies.push(record)
  return written(ctx, req, fm, existing === undefined ? 201 : 200, strategyToWire(fm, record), { kind: 'strategy', name }, record.eTag)
}

// ---------------------------------------------------------------------------
// Update runs

function runRoute(ctx: EmulatorContext, req: Incoming, fm: LiveFleetManager, name: string, who: string): Reply {
  const existing = fm.runs.find(r => r.name === name)
  if (req.method === 'GET') {
    return existing === undefined
      ? notFound('fleets/updateRuns', `${fm.name}/${name}`, fm.resourceGroup)
      : { status: 200, headers: { etag: existing.eTag }, body: runToWire(existing) }
  }
  const refused = precondition(req, existing?.eTag)
  if (refused !== undefined) return refused
  if (req.method === 'DELETE') {
    if (existing === undefined) return { status: 204 }
    // Assumption: a run with member upgrades in progress can't be deleted (stop it and wait).
    if (runHasActiveMembers(existing))
      return fleetError(409, 'Conflict', `The update run '${name}' has member updates in progress; stop it and wait before deleting it.`)
    fm.runs.splice(fm.runs.indexOf(existing), 1)
    fm.gates = fm.gates.filter(g => g.runId !== existing.id)
    return written(ctx, req, fm, 200, undefined, undefined)
  }
  const resolved = resolveRunBody(fm, req.body)
  if (isValidationError(resolved)) return fromValidation(resolved)
  if (existing !== undefined && existing.status.state !== 'NotStarted') {
    if (definitionKey(existing.input) === definitionKey(resolved.input)) {
      return written(ctx, req, fm, 200, runToWire(existing), { kind: 'run', name }, existing.eTag)
    }
    // Assumption: 409 Conflict (§3.4: strategy and managedClusterUpdate are mutable only before start).
    return fleetError(409, 'Conflict', `The update run '${name}' has started: its strategy and managedClusterUpdate can no longer be modified.`)
  }
  const run = putRun(ctx.state, fm, name, resolved, who)
  return written(ctx, req, fm, existing === undefined ? 201 : 200, runToWire(run), { kind: 'run', name }, run.eTag)
}

const SKIP_TYPES: readonly string[] = ['Member', 'Group', 'Stage', 'AfterStageWait']

function parseSkip(body: unknown): SkipTarget[] | Reply {
  if (!isRecord(body) || !Array.isArray(body.targets) || body.targets.length === 0) {
    return fleetError(
      400,
      'InvalidRequestContent',
      "The request content must be {'targets': [{'type', 'name'}, ...]} with at least one target.",
      'targets'
    )
  }
  const targets: SkipTarget[] = []
  for (const t of body.targets) {
    if (!isRecord(t) || typeof t.type !== 'string' || !SKIP_TYPES.includes(t.type) || typeof t.name !== 'string' || t.name === '') {
      return fleetError(400, 'InvalidRequestContent', `Every skip target needs a type (${SKIP_TYPES.join(', ')}) and a name.`, 'targets')
    }
    targets.push({ type: t.type as SkipTarget['type'], name: t.name })
  }
  return targets
}

function runAction(ctx: EmulatorContext, req: Incoming, fm: LiveFleetManager, name: string, action: 'start' | 'stop' | 'skip', who: string): Reply {
  const run = fm.runs.find(r => r.name === name)
  if (run === undefined) return notFound('fleets/updateRuns', `${fm.name}/${name}`, fm.resourceGroup)
  const refused = precondition(req, run.eTag)
  if (refused !== undefined) return refused
  const now = ctx.now()
  let error: CommandError | undefined
  if (action === 'start') error = startRun(run, now)
  else if (action === 'stop') error = stopRun(run)
  else {
    const targets = parseSkip(req.body)
    if (!Array.isArray(targets)) return targets
    error = skipInRun(run, targets, now, runEnvironment(ctx.state, fm, run))
  }
  if (error !== undefined) return fromCommand(error)
  touch(run.systemData, who, now)
  settleFleetManagers(ctx.state)
  return written(ctx, req, fm, 200, runToWire(run), { kind: 'run', name }, run.eTag)
}

// ---------------------------------------------------------------------------
// Gates

function gateRoute(ctx: EmulatorContext, req: Incoming, fm: LiveFleetManager, name: string, who: string): Reply {
  const gate = fm.gates.find(g => g.name === name.toLowerCase())
  if (gate === undefined) return notFound('fleets/gates', `${fm.name}/${name}`, fm.resourceGroup)
  // Gates_Get and Gates_Update send the eTag as a header too (the examples).
  if (req.method === 'GET') return { status: 200, headers: { etag: gate.eTag }, body: gateToWire(fm, gate) }
  const refused = precondition(req, gate.eTag)
  if (refused !== undefined) return refused
  const props = isRecord(req.body) ? req.body.properties : undefined
  const wanted = isRecord(props) ? props.state : undefined
  if (wanted !== 'Pending' && wanted !== 'Completed' && wanted !== 'Skipped') {
    return fleetError(400, 'InvalidRequestContent', "The request content must be {'properties': {'state': 'Completed'}}.", 'properties.state')
  }
  // Assumptions: only Pending → Completed is a user's move; Completed again is a no-op.
  if (wanted !== 'Completed') return fleetError(400, 'BadRequest', `A gate's state can only be set to Completed, not ${wanted}.`, 'properties.state')
  if (gate.state === 'Skipped') return fleetError(409, 'Conflict', `Gate '${name}' was skipped and can't be completed.`)
  if (gate.state === 'Pending') {
    const now = ctx.now()
    gate.state = 'Completed'
    gate.eTag = newETag()
    touch(gate.systemData, who, now)
    const run = fm.runs.find(r => r.id === gate.runId)
    if (run !== undefined) completeGateInRun(run, gate.id, now)
    settleFleetManagers(ctx.state)
  }
  return written(ctx, req, fm, 200, gateToWire(fm, gate), { kind: 'gate', name: gate.name }, gate.eTag)
}
