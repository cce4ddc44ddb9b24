// The report's pre-flight parts: an operation held by a prediction is Held with its numbers,
// predictions come with what to do, and checks that could not run are listed once, collapsed,
// with the role action to grant.
import { describe, expect, it } from 'vitest'
import type { ClusterPlan, OperationResult, PlanEntry, RunReport } from '../../src/model.ts'
import type { PreflightReport } from '../../src/preflight/types.ts'
import { planOutput } from '../../src/report/outputs.ts'
import { renderReport } from '../../src/report/render.ts'
import { buildRows } from '../../src/report/rows.ts'
import { clusterSnapshot, nodeImageOperation, poolSnapshot, U0702, U0709 } from './fixtures.ts'

const cluster = clusterSnapshot('aks-prod', {
  resourceGroup: 'rg-prod',
  location: 'westeurope',
  pools: [poolSnapshot('system', { mode: 'System', nodeImageVersion: U0702 }), poolSnapshot('apps', { nodeImageVersion: U0702 })]
})

function entry(pool: string): PlanEntry {
  return {
    clusterId: cluster.id,
    cluster: cluster.name,
    resourceGroup: cluster.resourceGroup,
    subscriptionId: cluster.subscriptionId,
    ring: 0,
    pool,
    os: 'Linux',
    mode: pool === 'system' ? 'System' : 'User',
    kubernetesVersion: { current: '1.35.6', target: '1.35.6' },
    nodeImageVersion: { current: U0702, target: U0709 },
    action: 'node-image',
    reason: 'upgrade-due',
    message: `Node image ${U0702} → ${U0709}.`,
    warnings: []
  }
}

const PDB_DETAIL =
  'PodDisruptionBudget shop/web (minAvailable 3; 3 of 3 pods healthy, 3 required, 0 disruptions allowed) blocks the drain: its pods run on apps'

function report(policy: 'hold' | 'warn'): RunReport {
  const cp: ClusterPlan = {
    cluster,
    ring: 0,
    operations: [nodeImageOperation(cluster, 'system'), nodeImageOperation(cluster, 'apps')],
    entries: [entry('system'), entry('apps')],
    warnings: []
  }
  const results: OperationResult[] =
    policy === 'hold'
      ? [
          {
            operation: nodeImageOperation(cluster, 'system'),
            outcome: 'succeeded',
            startedAt: '2026-11-28T21:05:00Z',
            finishedAt: '2026-11-28T21:25:00Z'
          },
          { operation: nodeImageOperation(cluster, 'apps'), outcome: 'pending', holdReason: 'preflight-pdb', holdDetail: PDB_DETAIL }
        ]
      : [
          {
            operation: nodeImageOperation(cluster, 'system'),
            outcome: 'succeeded',
            startedAt: '2026-11-28T21:05:00Z',
            finishedAt: '2026-11-28T21:25:00Z'
          },
          {
            operation: nodeImageOperation(cluster, 'apps'),
            outcome: 'succeeded',
            startedAt: '2026-11-28T21:25:00Z',
            finishedAt: '2026-11-28T21:45:00Z'
          }
        ]
  const preflight: PreflightReport = {
    checks: ['quota', 'subnet', 'pdb'],
    policy,
    budgets: [],
    operations: {
      [nodeImageOperation(cluster, 'system').key]: {
        key: nodeImageOperation(cluster, 'system').key,
        claims: [],
        findings: [],
        notes: ["system: maxSurge is not set: assumed AKS's default of 10% (1 node)."]
      },
      [nodeImageOperation(cluster, 'apps').key]: {
        key: nodeImageOperation(cluster, 'apps').key,
        claims: [],
        findings: [
          {
            reason: 'preflight-pdb',
            severity: 'block',
            detail: PDB_DETAIL,
            advice: 'scale the workload up, relax the PDB, or set undrainableNodeBehavior: Cordon'
          }
        ],
        notes: []
      }
    },
    notRun: [
      {
        check: 'quota',
        scope: `/subscriptions/${cluster.subscriptionId}/providers/Microsoft.Compute/locations/westeurope`,
        reason: 'the identity may not read the Compute usages (403)',
        roleAction: 'Microsoft.Compute/locations/usages/read'
      }
    ],
    armRequests: 3
  }
  return {
    startedAt: '2026-11-28T21:00:00Z',
    timezone: 'Europe/Berlin',
    dryRun: false,
    upgrade: ['node-image', 'patch'],
    reportId: 'aks-upgrades',
    actionVersion: '1.0.0',
    plan: { clusters: [cp], rings: { '0': [cluster.id] } },
    results,
    readFailures: [],
    notes: [],
    window: { inWindow: true },
    preflight
  }
}

function section(body: string, heading: string): string {
  const start = body.indexOf(heading)
  if (start < 0) return ''
  const next = body.indexOf('\n### ', start + 1)
  return body.slice(start, next < 0 ? undefined : next)
}

describe('pre-flight in the report', () => {
  it('puts the held pool under Held with its numbers, and the refreshed one under upgraded', () => {
    const r = report('hold')
    expect(buildRows(r).all.map(row => [row.pool, row.status])).toEqual([
      ['system', 'upgraded'],
      ['apps', 'held']
    ])
    const held = section(renderReport(r, 'summary'), '### ✋ Held')
    expect(held).toContain('Pre-flight: a PodDisruptionBudget blocks the drain')
    expect(held).toContain('shop/web (minAvailable 3; 3 of 3 pods healthy')
  })

  it('lists each prediction with what to do, and whether it held the operation', () => {
    for (const [policy, effect] of [
      ['hold', 'pdb: held'],
      ['warn', 'pdb: starts anyway (preflight-failures: warn)']
    ] as const) {
      const predictions = section(renderReport(report(policy), 'summary'), '### 🔎 Pre-flight predictions (1)')
      expect(predictions).toContain(effect)
      expect(predictions).toContain('relax the PDB')
    }
  })

  it('collapses the checks not run with the role action, and the assumptions', () => {
    const body = renderReport(report('hold'), 'issue')
    expect(body).toContain('<details><summary>Checks not run (1)</summary>')
    expect(body).toContain('`Microsoft.Compute/locations/usages/read`')
    expect(body).toContain("maxSurge is not set: assumed AKS's default of 10% (1 node).")
  })

  it('gives the hold reason and its numbers in the plan output', () => {
    const out = planOutput(report('hold').plan, report('hold').results)
    expect(out.find(e => e.pool === 'apps')?.hold).toEqual({ reason: 'preflight-pdb', detail: PDB_DETAIL, nextWindow: null })
  })

  it('says the checks ran and found nothing, when nothing is predicted', () => {
    const r = report('warn')
    const { [nodeImageOperation(cluster, 'apps').key]: _apps, ...rest } = r.preflight?.operations ?? {}
    const quiet: RunReport = { ...r, preflight: { ...(r.preflight as PreflightReport), operations: rest } }
    const part = section(renderReport(quiet, 'summary'), '### 🔎 Pre-flight')
    expect(part).toContain('No planned operation is predicted to fail (checks: quota, subnet, pdb).')
    expect(part).toContain('<details><summary>Checks not run (1)</summary>')
  })

  it('has no pre-flight section without pre-flight', () => {
    const { preflight: _p, ...none } = report('hold')
    expect(renderReport(none, 'summary')).not.toContain('Pre-flight predictions')
    expect(renderReport(none, 'summary')).not.toContain('Checks not run')
  })
})
