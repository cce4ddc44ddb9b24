// GitHub's OIDC token service (what @actions/core getIDToken calls) and the Entra ID
// endpoints MSAL node uses for the client-credentials grant with a federated assertion.
import { createHash, randomUUID } from 'node:crypto'
import { isRecord, jwk, signJwt, verifyJwt } from './jwt.ts'
import { FEDERATION_AUDIENCE, OIDC_ISSUER } from './types.ts'
import type { EmulatorContext, Incoming, Reply } from './types.ts'

// ---------------------------------------------------------------------------
// GitHub OIDC: GET /_oidc/token?api-version=2.0&audience=...

export function handleOidc(ctx: EmulatorContext, req: Incoming): Reply {
  if (req.path === '/_oidc/.well-known/jwks') return { status: 200, body: { keys: [jwk(ctx.oidcKey)] } }
  if (req.path !== '/_oidc/token' || req.method !== 'GET') return { status: 404, body: { message: 'Not Found' } }
  const auth = req.headers.authorization ?? ''
  if (auth !== `Bearer ${ctx.oidcRequestToken}`) {
    return { status: 401, body: { message: 'Unauthorized: the ACTIONS_ID_TOKEN_REQUEST_TOKEN bearer token is missing or wrong.' } }
  }
  const audience = req.query.audience ?? `https://github.com/${ctx.repository.split('/')[0] ?? ''}`
  const now = Math.floor(ctx.now() / 1000)
  const [owner] = ctx.repository.split('/')
  const claims = {
    jti: randomUUID(),
    sub: `repo:${ctx.repository}:ref:refs/heads/main`,
    aud: audience,
    ref: 'refs/heads/main',
    sha: 'f0e1d2c3b4a5968778695a4b3c2d1e0f9a8b7c6d',
    repository: ctx.repository,
    repository_owner: owner ?? '',
    repository_visibility: 'private',
    run_id: '9876543210',
    run_number: '42',
    run_attempt: '1',
    actor: 'octocat',
    workflow: 'AKS upgrades',
    event_name: 'schedule',
    ref_type: 'branch',
    job_workflow_ref: `${ctx.repository}/.github/workflows/aks-upgrades.yml@refs/heads/main`,
    runner_environment: 'github-hosted',
    iss: OIDC_ISSUER,
    nbf: now - 5,
    iat: now,
    exp: now + ctx.tokenLifetimeSeconds
  }
  return { status: 200, body: { count: 1, value: signJwt(ctx.oidcKey, claims) } }
}

// ---------------------------------------------------------------------------
// Entra ID (login.microsoftonline.com look-alike on the emulator host)

function aadError(status: number, error: string, code: string, description: string, ctx: EmulatorContext): Reply {
  const traceId = randomUUID()
  const correlationId = randomUUID()
  const timestamp = new Date(ctx.now())
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, 'Z')
  return {
    status,
    body: {
      error,
      error_description: `${code}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [Number.parseInt(code.replace('AADSTS', ''), 10)],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId
    }
  }
}

/** A stable GUID per client id, used as the service principal's object id. */
function objectIdFor(clientId: string): string {
  const h = createHash('sha256').update(`sp:${clientId}`).digest('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`
}

function openIdConfiguration(req: Incoming, tenant: string): Record<string, unknown> {
  const base = `${req.baseUrl}/${tenant}`
  return {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${req.baseUrl}/${tenant}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: `${base}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${req.baseUrl}/oidc/userinfo`,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'tid', 'ver', 'at_hash', 'c_hash'],
    kerberos_endpoint: `${base}/kerberos`,
    tenant_region_scope: 'EU',
    cloud_instance_name: 'microsoftonline.com',
    cloud_graph_host_name: 'graph.windows.net',
    msgraph_host: 'graph.microsoft.com',
    rbac_url: 'https://pas.windows.net'
  }
}

export function handleAad(ctx: EmulatorContext, req: Incoming): Reply {
  const seg = req.path.split('/').filter(s => s !== '')
  const tenant = seg[0] ?? 'common'
  const rest = seg.slice(1).join('/').toLowerCase()

  if (rest === 'discovery/instance' && req.method === 'GET') {
    const host = new URL(req.baseUrl).host
    return {
      status: 200,
      body: {
        tenant_discovery_endpoint: `${req.baseUrl}/${tenant}/v2.0/.well-known/openid-configuration`,
        'api-version': '1.1',
        metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }]
      }
    }
  }
  if ((rest === 'v2.0/.well-known/openid-configuration' || rest === '.well-known/openid-configuration') && req.method === 'GET') {
    return { status: 200, body: openIdConfiguration(req, tenant) }
  }
  if (rest === 'discovery/v2.0/keys' && req.method === 'GET') {
    return { status: 200, body: { keys: [jwk(ctx.aadKey)] } }
  }
  if (rest === 'oauth2/v2.0/token' && req.method === 'POST') return token(ctx, req, tenant)
  return { status: 404, body: { error: 'not_found', error_description: `No such endpoint: ${req.method} ${req.path}` } }
}

function token(ctx: EmulatorContext, req: Incoming, tenant: string): Reply {
  const form = isRecord(req.body) ? req.body : {}
  const field = (name: string): string => {
    const value = form[name]
    return typeof value === 'string' ? value : ''
  }
  if (field('grant_type') !== 'client_credentials') {
    return aadError(400, 'unsupported_grant_type', 'AADSTS70003', 'The app requested an unsupported grant type.', ctx)
  }
  const clientId = field('client_id')
  if (clientId === '') {
    return aadError(400, 'invalid_request', 'AADSTS900144', "The request body must contain the following parameter: 'client_id'.", ctx)
  }
  if (field('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') {
    return aadError(
      401,
      'invalid_client',
      'AADSTS7000216',
      "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.",
      ctx
    )
  }
  const assertion = field('client_assertion')
  const claims = verifyJwt(ctx.oidcKey, assertion)
  if (claims === undefined) {
    return aadError(401, 'invalid_client', 'AADSTS50027', 'JWT token is invalid or malformed.', ctx)
  }
  const now = ctx.now()
  const exp = typeof claims.exp === 'number' ? claims.exp * 1000 : 0
  const nbf = typeof claims.nbf === 'number' ? claims.nbf * 1000 : 0
  if (exp <= now || nbf > now + 5 * 60 * 1000) {
    const fmt = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
    return aadError(
      400,
      'invalid_client',
      'AADSTS700024',
      `Client assertion is not within its valid time range. Current time: ${fmt(now)}, assertion valid from ${fmt(nbf)}, expiry time of assertion ${fmt(exp)}. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .`,
      ctx
    )
  }
  const aud = claims.aud
  const audiences = Array.isArray(aud) ? aud : [aud]
  if (!audiences.includes(FEDERATION_AUDIENCE)) {
    return aadError(
      400,
      'invalid_client',
      'AADSTS700212',
      `No matching federated identity record found for presented assertion audience '${audiences.map(String).join(', ')}'. Please note that the matching is done using a case-sensitive comparison. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation`,
      ctx
    )
  }
  const subject = typeof claims.sub === 'string' ? claims.sub : ''
  const allowed = ctx.state.aad.federatedSubjects
  if (allowed !== undefined && !allowed.includes(subject)) {
    return aadError(
      400,
      'invalid_client',
      'AADSTS700213',
      `No matching federated identity record found for presented assertion subject '${subject}'. Please note that the matching is done using a case-sensitive comparison. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation`,
      ctx
    )
  }
  const scope =
    field('scope')
      .split(' ')
      .find(s => s.endsWith('/.default')) ?? ''
  const resource = scope.replace(/\/\.default$/, '')
  const iat = Math.floor(now / 1000)
  const oid = objectIdFor(clientId)
  const accessToken = signJwt(ctx.aadKey, {
    aud: resource,
    iss: `https://sts.windows.net/${tenant}/`,
    iat,
    nbf: iat,
    exp: iat + ctx.tokenLifetimeSeconds,
    aio: randomUUID(),
    appid: clientId,
    appidacr: '2',
    idp: `https://sts.windows.net/${tenant}/`,
    idtyp: 'app',
    oid,
    sub: oid,
    tid: tenant,
    uti: randomUUID().replace(/-/g, '').slice(0, 22),
    ver: '1.0'
  })
  ctx.state.aad.tokensIssued++
  return {
    status: 200,
    body: {
      token_type: 'Bearer',
      expires_in: ctx.tokenLifetimeSeconds,
      ext_expires_in: ctx.tokenLifetimeSeconds,
      access_token: accessToken
    }
  }
}
