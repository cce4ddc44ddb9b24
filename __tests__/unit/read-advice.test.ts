import { describe, expect, it } from 'vitest'
import { readAdvice } from '../../src/azure/snapshot.ts'

const SCOPE = '/subscriptions/5b2c8f3e-9d41-4a6b-8e07-3f1c2d9a6b58/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks'

describe('readAdvice', () => {
  it.each<[string, number | undefined, string, Parameters<typeof readAdvice>[3], RegExp]>([
    ['403 on the cluster', 403, 'AuthorizationFailed', 'cluster', /'Microsoft\.ContainerService\/managedClusters\/read' on '\/subscriptions\//],
    [
      '403 while paging pools (the pager drops the message)',
      403,
      'AuthorizationFailed',
      'pools',
      /'Microsoft\.ContainerService\/managedClusters\/agentPools\/read'/
    ],
    ['403 on a pool upgrade profile', 403, 'AuthorizationFailed', 'poolProfile', /agentPools\/upgradeProfiles\/read/],
    ['403 on maintenance configurations', 403, 'AuthorizationFailed', 'maintenance', /maintenanceConfigurations\/read/],
    ['403 on the location versions', 403, 'AuthorizationFailed', 'versions', /locations\/kubernetesVersions\/read/],
    ['404', 404, 'ResourceNotFound', 'cluster', /Check the resource group, cluster name and subscription/],
    ['anything else', 500, 'InternalServerError', 'cluster', /next run will try again/]
  ])('%s', (_name, status, code, kind, advice) => {
    expect(readAdvice(SCOPE, status, code, kind)).toMatch(advice)
  })
})
