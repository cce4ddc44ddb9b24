// Thin adapter for Azure Kubernetes Fleet Manager over raw REST (api-version 2026-06-01) on
// the AKS client's pipeline: same sign-in, cloud endpoints, retries and throttling. Raw,
// because the SDK (2.0.0) drops gates and `maxConcurrency` (FLEET-API-NOTES §9).
//
// No write here waits for a long-running operation: a 200 body is the new state, a 201 or
// 202 is "accepted" and the engine reads the resource again (now, or on its next run).
import type { ArmRequest, ArmResponse } from './aks.js'
import { armFailure } from './aks.js'
import type { FleetMember, Gate, SkipTarget, UpdateRun } from '../fleet-engine/wire.js'

const FLEET_API_VERSION = '2026-06-01'

/** `/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ContainerService/fleets/{name}`. */
export const FLEET_ID =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.ContainerService\/fleets\/([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/?$/i

/** A write refused because the resource changed since it was read (412): read again and decide again. */
export class StaleWriteError extends Error {
  constructor(what: string) {
    super(`${what}: the resource changed since it was read (412 Precondition Failed)`)
    this.name = 'StaleWriteError'
  }
}

/** The role action each call needs (notes §8), for the advice on a 403. */
const ROLE_ACTIONS: Record<string, string> = {
  members: 'Microsoft.ContainerService/fleets/members/read',
  'members-write': 'Microsoft.ContainerService/fleets/members/write',
  runs: 'Microsoft.ContainerService/fleets/updateRuns/read',
  'runs-write': 'Microsoft.ContainerService/fleets/updateRuns/write',
  start: 'Microsoft.ContainerService/fleets/updateRuns/start/action',
  stop: 'Microsoft.ContainerService/fleets/updateRuns/stop/action',
  skip: 'Microsoft.ContainerService/fleets/updateRuns/skip/action',
  gates: 'Microsoft.ContainerService/fleets/gates/read',
  'gates-write': 'Microsoft.ContainerService/fleets/gates/write'
}

type Send = (subscriptionId: string, request: ArmRequest) => Promise<ArmResponse>

/** Every call the Fleet engine makes; the engine depends on this, not on HTTP. */
export interface FleetApi {
  listMembers(): Promise<FleetMember[]>
  /** True when Fleet answered with the changed member (200), false when it accepted the change (202). */
  setGroup(member: string, group: string, eTag: string | undefined): Promise<boolean>
  listRuns(): Promise<UpdateRun[]>
  getRun(name: string): Promise<UpdateRun | undefined>
  /** Creates the run only if no run of that name exists (`If-None-Match: *`); false when one did. */
  createRun(name: string, body: UpdateRun): Promise<boolean>
  /** start, stop or skip with `If-Match`; the new run on 200, undefined when accepted (202). */
  act(name: string, action: 'start' | 'stop', eTag: string | undefined): Promise<UpdateRun | undefined>
  skip(name: string, targets: SkipTarget[], eTag: string | undefined): Promise<UpdateRun | undefined>
  getGate(name: string): Promise<Gate | undefined>
  completeGate(name: string, eTag: string | undefined): Promise<void>
}

export class FleetClient implements FleetApi {
  private readonly fleetId: string
  private readonly subscriptionId: string
  private readonly send: Send

  constructor(fleetId: string, send: Send) {
    const m = FLEET_ID.exec(fleetId)
    if (!m?.[1]) throw new Error(`Not a Fleet resource id: ${fleetId}`)
    this.fleetId = fleetId.replace(/\/+$/, '')
    this.subscriptionId = m[1]
    this.send = send
  }

  private path(sub: string): string {
    return `${this.fleetId}${sub}?api-version=${FLEET_API_VERSION}`
  }

  private async call(kind: string, request: ArmRequest, ok: (status: number) => boolean = s => s < 300): Promise<ArmResponse> {
    const response = await this.send(this.subscriptionId, request)
    if (ok(response.status)) return response
    if (response.status === 412) throw new StaleWriteError(`${request.method} ${request.path.split('?')[0]}`)
    const error = armFailure(response, `${request.method} ${request.path.split('?')[0]}`)
    const action = ROLE_ACTIONS[kind]
    if (response.status === 403 && action)
      error.message = `${error.message} (grant the action ${action} on the fleet, e.g. with the role "Azure Kubernetes Fleet Manager Contributor")`
    throw error
  }

  /** Follows `nextLink` verbatim until the list ends. */
  private async list<T>(kind: string, sub: string): Promise<T[]> {
    const out: T[] = []
    let path: string | undefined = this.path(sub)
    for (let page = 0; path !== undefined && page < 1000; page++) {
      const response = await this.call(kind, { method: 'GET', path })
      const body = (response.body ?? {}) as { value?: T[]; nextLink?: string }
      out.push(...(body.value ?? []))
      path = body.nextLink || undefined
    }
    return out
  }

  async listMembers(): Promise<FleetMember[]> {
    return this.list<FleetMember>('members', '/members')
  }

  async setGroup(member: string, group: string, eTag: string | undefined): Promise<boolean> {
    const response = await this.call('members-write', {
      method: 'PATCH',
      path: this.path(`/members/${member}`),
      headers: ifMatch(eTag),
      body: { properties: { group } }
    })
    return response.status === 200
  }

  async listRuns(): Promise<UpdateRun[]> {
    return this.list<UpdateRun>('runs', '/updateRuns')
  }

  async getRun(name: string): Promise<UpdateRun | undefined> {
    const response = await this.call('runs', { method: 'GET', path: this.path(`/updateRuns/${name}`) }, s => s < 300 || s === 404)
    return response.status === 404 ? undefined : (response.body as UpdateRun)
  }

  async createRun(name: string, body: UpdateRun): Promise<boolean> {
    // If-None-Match: * makes a retried or raced create fail instead of overwriting a run.
    const response = await this.call(
      'runs-write',
      { method: 'PUT', path: this.path(`/updateRuns/${name}`), headers: { 'If-None-Match': '*' }, body },
      s => s < 300 || s === 412
    )
    return response.status !== 412
  }

  async act(name: string, action: 'start' | 'stop', eTag: string | undefined): Promise<UpdateRun | undefined> {
    const response = await this.call(action, { method: 'POST', path: this.path(`/updateRuns/${name}/${action}`), headers: ifMatch(eTag) })
    return response.status === 200 ? (response.body as UpdateRun) : undefined
  }

  async skip(name: string, targets: SkipTarget[], eTag: string | undefined): Promise<UpdateRun | undefined> {
    const response = await this.call('skip', {
      method: 'POST',
      path: this.path(`/updateRuns/${name}/skip`),
      headers: ifMatch(eTag),
      body: { targets }
    })
    return response.status === 200 ? (response.body as UpdateRun) : undefined
  }

  async getGate(name: string): Promise<Gate | undefined> {
    const response = await this.call('gates', { method: 'GET', path: this.path(`/gates/${name}`) }, s => s < 300 || s === 404)
    if (response.status === 404) return undefined
    const gate = response.body as Gate
    // The examples send the eTag as a header too; either serves If-Match.
    return gate.eTag === undefined && response.headers.etag ? { ...gate, eTag: response.headers.etag } : gate
  }

  async completeGate(name: string, eTag: string | undefined): Promise<void> {
    await this.call('gates-write', {
      method: 'PATCH',
      path: this.path(`/gates/${name}`),
      headers: ifMatch(eTag),
      body: { properties: { state: 'Completed' } }
    })
  }
}

function ifMatch(eTag: string | undefined): Record<string, string> {
  return eTag ? { 'If-Match': eTag } : {}
}
