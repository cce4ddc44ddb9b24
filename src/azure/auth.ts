// Sign-in through GitHub OIDC: no secret is stored anywhere. Azure AD asks for a client
// assertion each time it issues a token, and GitHub's ID tokens live only minutes, so the
// assertion callback fetches a fresh ID token every time instead of caching one.
import * as core from '@actions/core'
import { ClientAssertionCredential } from '@azure/identity'
import type { TokenCredential } from '@azure/identity'
import type { CloudEndpoints } from './clouds.js'
import { armScope } from './clouds.js'
import { errorMessage } from '../util/errors.js'
import { sleep } from '../util/clock.js'
import { DEFAULT_BACKOFF, withBackoff } from './retry.js'

class SignInError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SignInError'
  }
}

const ID_TOKEN_PERMISSION_HINT =
  "Add 'permissions: id-token: write' to the workflow or job (and keep 'contents: read', 'issues: write'): " +
  'GitHub only gives a job an OIDC token when that permission is granted.'

export interface SignInSettings {
  tenantId: string
  clientId: string
  audience: string
  cloud: CloudEndpoints
}

/** Decoded, non-secret claims of a JWT, for diagnosing a federated-credential mismatch. */
function claims(jwt: string): Record<string, unknown> {
  const payload = jwt.split('.')[1]
  if (payload === undefined) return {}
  try {
    const parsed: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {}
  } catch {
    return {}
  }
}

/**
 * GitHub's token service fails now and then with a 5xx (502-504 are retried inside
 * @actions/http-client already, a 500 is not) or a dropped connection: worth another try. A 4xx
 * (no `id-token: write`, a bad request token) is not: it fails at once with the advice.
 */
export function oidcRetryable(error: unknown): boolean {
  const status = /Error Code\s*:\s*(\d{3})/.exec(errorMessage(error))?.[1]
  return status === undefined || Number(status) >= 500
}

export function createCredential(settings: SignInSettings): TokenCredential {
  if (!process.env.ACTIONS_ID_TOKEN_REQUEST_URL || !process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN) {
    throw new SignInError(`GitHub did not give this job an OIDC token request URL. ${ID_TOKEN_PERMISSION_HINT}`)
  }
  let logged = false
  const getAssertion = async (): Promise<string> => {
    let token: string
    try {
      token = await withBackoff(async () => core.getIDToken(settings.audience), oidcRetryable, { ...DEFAULT_BACKOFF, sleep })
    } catch (error: unknown) {
      throw new SignInError(`Could not get a GitHub OIDC token: ${errorMessage(error)}. ${ID_TOKEN_PERMISSION_HINT}`)
    }
    if (!logged) {
      // The federated credential must match these exactly; showing them turns an AADSTS70021
      // ("no matching federated identity record") into a one-line fix.
      const c = claims(token)
      core.info(`GitHub OIDC token: iss=${String(c.iss)} sub=${String(c.sub)} aud=${String(c.aud)}`)
      logged = true
    }
    return token
  }
  return new ClientAssertionCredential(settings.tenantId, settings.clientId, getAssertion, {
    authorityHost: settings.cloud.authorityHost,
    // With a custom authority MSAL would otherwise ask the public cloud whether the host is known.
    disableInstanceDiscovery: settings.cloud.custom
  })
}

/** Get one Resource Manager token now, so a sign-in problem is reported as such, not as a failed read. */
export async function verifySignIn(credential: TokenCredential, settings: SignInSettings): Promise<void> {
  try {
    // enableCae as the ARM pipeline asks for it: MSAL caches CAE and non-CAE tokens apart,
    // so this token is then reused by the first ARM request instead of fetched twice.
    await credential.getToken(armScope(settings.cloud), { enableCae: true })
  } catch (error: unknown) {
    const message = errorMessage(error)
    let hint = ''
    if (/AADSTS700213|AADSTS70021/.test(message)) {
      hint =
        ' The federated credential on the app registration or managed identity must match the token subject logged above (repository, branch or environment).'
    } else if (/AADSTS700016/.test(message)) {
      hint = ` No application '${settings.clientId}' exists in tenant '${settings.tenantId}': check client-id and tenant-id.`
    } else if (/AADSTS90002/.test(message)) {
      hint = ` Tenant '${settings.tenantId}' was not found: check tenant-id and environment.`
    }
    throw new SignInError(`Sign-in to Azure failed: ${message}${hint}`)
  }
}
