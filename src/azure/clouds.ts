// Endpoints of the Azure clouds the `environment` input names. `Custom` (Azure Stack Hub,
// or the local emulator) brings its own through `arm-endpoint` and `authority-host`.
export type AzureEnvironment = 'AzureCloud' | 'AzureUSGovernment' | 'AzureChinaCloud' | 'Custom'

export interface CloudEndpoints {
  armEndpoint: string
  authorityHost: string
  /** A custom authority must not go through MSAL's instance discovery (it would call the public cloud). */
  custom: boolean
}

const CLOUDS: Record<Exclude<AzureEnvironment, 'Custom'>, CloudEndpoints> = {
  AzureCloud: {
    armEndpoint: 'https://management.azure.com',
    authorityHost: 'https://login.microsoftonline.com',
    custom: false
  },
  AzureUSGovernment: {
    armEndpoint: 'https://management.usgovcloudapi.net',
    authorityHost: 'https://login.microsoftonline.us',
    custom: false
  },
  AzureChinaCloud: {
    armEndpoint: 'https://management.chinacloudapi.cn',
    authorityHost: 'https://login.chinacloudapi.cn',
    custom: false
  }
}

export function cloudFor(environment: Exclude<AzureEnvironment, 'Custom'>): CloudEndpoints {
  return CLOUDS[environment]
}

/** The token scope for Resource Manager calls on this cloud. */
export function armScope(cloud: CloudEndpoints): string {
  return `${cloud.armEndpoint.replace(/\/+$/, '')}/.default`
}
