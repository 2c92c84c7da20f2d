// Type declarations of the `dbfed` package (hand-written; the native addon's own, generated
// declarations are native.d.ts).

/** Retry rules for token and discovery requests; a setting left out keeps its default. */
export interface RetryOptions {
  /** Attempts in all, the first included (default 5; at least 1, which never retries). */
  maxAttempts?: number
  /** Upper bound of the first backoff, doubling at each retry. */
  initialBackoffMs?: number
  /** Upper bound of any backoff. */
  maxBackoffMs?: number
  /** Time from the first attempt after which no retry starts. */
  totalBudgetMs?: number
}

/** HTTP settings, taken by the credential, the user exchanger and the sources that make requests. */
export interface HttpOptions {
  /** Connect timeout (default 10 s). */
  connectTimeoutMs?: number
  /** Timeout of a whole request (default 30 s). */
  requestTimeoutMs?: number
  /** A PEM file of extra CA certificates. */
  caBundle?: string
  /** Retried: HTTP 429, 502, 503, 504, connection errors and timeouts, with full-jitter backoff honouring `Retry-After`. */
  retry?: RetryOptions
}

/** Which Databricks host: `host` (a workspace), or `accountHost` and `accountId` (account-level APIs). */
export interface HostOptions {
  /** The workspace URL (`https://` may be omitted). */
  host?: string
  /** The account console URL, e.g. `https://accounts.cloud.databricks.com`, with `accountId`. */
  accountHost?: string
  /** The Databricks account id (with `host`: the default audience). */
  accountId?: string
}

/** The options of `new Credential`: a host, a source, and the exchange and HTTP settings. */
export interface CredentialOptions extends HostOptions, HttpOptions {
  /** Where the subject JWTs come from. */
  source: sources.Source
  /** The service principal's application id (workload identity federation); leave it out for account-wide federation. */
  clientId?: string
  /** The scopes to request (default `["all-apis"]`). */
  scopes?: string[]
  /** The audience the source's JWTs are asked for (default: discovered, else the account id, else the token endpoint). */
  audience?: string
  /** The token endpoint, skipping discovery. */
  tokenEndpoint?: string
  /** An RFC 8414 discovery document to read the token endpoint from. */
  discoveryUrl?: string
}

/** A Databricks OAuth access token. `util.inspect`, `toString` and `JSON.stringify` never show the token. */
export declare class AccessToken {
  private constructor()
  /** The token itself, for an `Authorization` header; keep it out of logs. */
  get token(): string
  /** The token type, normally `Bearer`. */
  get tokenType(): string
  /** The scopes the server granted, or null when it did not say. */
  get scope(): string | null
  /** When the token expires. */
  get expiresAt(): Date
  /** Milliseconds until the token expires; 0 once it has. */
  get expiresInMs(): number
  /** The `Authorization` header value: `Bearer <token>`. */
  authorizationHeader(): string
  /** Everything but the token (which shows as `<redacted>`). */
  toJSON(): { token: '<redacted>'; tokenType: string; scope: string | null; expiresAt: string }
}

/** What a credential's cache did since the credential was made. */
export interface Stats {
  /** Token fetches performed (each one exchange, possibly with retries). */
  exchanges: number
  /** Calls answered from the cache without waiting. */
  cacheHits: number
  /** Background refreshes started ahead of expiry. */
  refreshes: number
  /** Fetches that failed. */
  failures: number
  /** Calls answered with the previous, still-valid token because a refresh failed or lagged. */
  staleServed: number
}

/**
 * Databricks tokens for one workspace or account, exchanged for the JWTs of `options.source`,
 * cached and refreshed ahead of expiry; one exchange however many callers ask at once.
 *
 * @throws {ConfigError} if the configuration is incomplete or unsafe (no request is made before the first token is asked for)
 */
export declare class Credential {
  constructor(options: CredentialOptions)
  /**
   * A credential configured from the Databricks environment variables (`DATABRICKS_HOST`,
   * `DATABRICKS_ACCOUNT_ID`, `DATABRICKS_CLIENT_ID`, `DATABRICKS_TOKEN_AUDIENCE`,
   * `DATABRICKS_AUTH_TYPE`, …) and the source they name or that is detected.
   *
   * @throws {ConfigError} listing every source tried and why it was skipped, when none fits
   */
  static fromEnv(options?: HttpOptions): Credential
  /** A valid token: from the cache (a lock-free read, no I/O), or after one exchange shared by every caller waiting. */
  token(): Promise<AccessToken>
  /** `{ Authorization: 'Bearer <token>' }` for a request. */
  headers(): Promise<{ Authorization: string }>
  /** The cached token if it can be had without waiting (a lock-free read, no I/O), else null: then `await token()`. */
  cachedToken(): AccessToken | null
  /** `{ Authorization: 'Bearer <token>' }` of the cached token, or null (as `cachedToken()`). */
  cachedHeaders(): { Authorization: string } | null
  /** Forgets the cached token, so the next call exchanges anew. */
  invalidate(): void
  /** Forgets `token` if it is still the cached one (after an API answered 401 to it); many callers reporting it cause one refresh. Returns whether it did. */
  invalidateToken(token: AccessToken): boolean
  /** Counters of exchanges, cache hits, background refreshes, failures and stale serves. */
  stats(): Stats
  /** The token endpoint and the audience, and how each was found (discovered on first use, then remembered; token federation only). */
  endpoints(): Promise<Endpoints>
  /** Every reason `policy` would refuse this credential's JWTs (a JWT from its source, for its audience); nothing is exchanged. */
  diagnose(policy: FederationPolicy): Promise<Mismatch[]>
  /** The name of the source the JWTs come from (`github-actions`, `env`, `callback`, …). */
  get sourceName(): string | null
  /** The workspace URL, or the account host, the tokens are for. */
  get host(): string | null
  /** The Databricks account id, when configured. */
  get accountId(): string | null
}

/** How a credential's token endpoint was found. */
export type TokenEndpointOrigin = 'configured' | 'discovery_url' | 'host_metadata' | 'fallback'

/** Why a credential's audience was chosen. */
export type AudienceOrigin = 'configured' | 'host_metadata' | 'account_id' | 'token_endpoint'

/** Where a credential exchanges its JWTs, the audience it asks its source for, and how each was found. */
export interface Endpoints {
  /** The token endpoint URL. */
  tokenEndpoint: string
  /** `configured`, `discovery_url`, `host_metadata` (`/.well-known/databricks-config`) or `fallback` (the conventional path on the host). */
  tokenEndpointOrigin: TokenEndpointOrigin
  /** The audience the source is asked for. */
  audience: string
  /** `configured`, `host_metadata` (the host's default federation audience), `account_id` or `token_endpoint` (the last resort). */
  audienceOrigin: AudienceOrigin
}

/** The OIDC part of a Databricks federation policy, as an admin configured it. */
export interface FederationPolicy {
  /** The required `iss`. */
  issuer: string
  /** The accepted audiences; none (or empty) means the Databricks account id. */
  audiences?: string[]
  /** The required subject (service-principal policies); none for account-wide ones. */
  subject?: string
  /** The claim holding the subject (default `sub`). */
  subjectClaim?: string
}

/** The kinds of reason a federation policy refuses a JWT. */
export type MismatchKind =
  | 'not_a_jwt'
  | 'unsupported_algorithm'
  | 'wrong_issuer'
  | 'audience_not_accepted'
  | 'wrong_subject'
  | 'missing_subject_claim'
  | 'expired'
  | 'not_yet_valid'

/** The fields of a `Mismatch`, as its constructor takes them. */
export interface MismatchFields {
  /** Which kind of reason. */
  kind: MismatchKind
  /** The reason in words. */
  message: string
  /** The claim concerned (default null). */
  claim?: string | null
  /** The JWT's values of the claim (default none). */
  actual?: readonly string[]
  /** What the policy accepts there (default none). */
  expected?: readonly string[]
  /** Whether the JWT was requested for a token endpoint URL (default false). */
  tokenEndpointTrap?: boolean
  /** The JWT's `exp` or `nbf` (default null). */
  at?: Date | null
}

/** One reason a federation policy would refuse a JWT (frozen; `String(mismatch)` is its message). */
export declare class Mismatch {
  constructor(fields: MismatchFields)
  /** Which kind of reason. */
  readonly kind: MismatchKind
  /** The reason in words, with what to do about it where that is known. */
  readonly message: string
  /** The claim concerned (`iss`, `aud`, the subject claim, `exp`, `nbf`; the header's `alg` for an unsupported algorithm); null for a text that is not a JWT. */
  readonly claim: string | null
  /** The JWT's values of `claim` (empty when it has none). */
  readonly actual: readonly string[]
  /** What the policy accepts there (empty when it names nothing, as for a missing claim). */
  readonly expected: readonly string[]
  /** For an audience not accepted: the JWT was requested for a Databricks token endpoint URL (the SDKs' last resort) while the policy expects something else, usually the account id. */
  readonly tokenEndpointTrap: boolean
  /** For `expired` and `not_yet_valid`: the JWT's `exp` or `nbf`; else null. */
  readonly at: Date | null
  /** The message. */
  toString(): string
}

/**
 * Every reason Databricks would refuse `jwt` under `policy`; empty means it would match (if its
 * signature verifies). The JWT is decoded, never verified; `accountId` stands for the audiences
 * of a policy that lists none. Nothing is sent anywhere.
 */
export declare function diagnose(jwt: string, policy: FederationPolicy, accountId?: string): Mismatch[]

/** A level of dbfed's log records, most severe first. */
export type LogLevel = 'error' | 'warn' | 'info' | 'debug' | 'trace'

/** One log record of dbfed (the core writes no token, JWT or secret into it). */
export interface LogRecord {
  /** The logger's name: `dbfed.cache`, `dbfed.credential`, `dbfed.exchange`, … */
  readonly logger: string
  /** The record's level (the method names of `console` and pino). */
  readonly level: LogLevel
  /** The message followed by the event's fields, `message key=value …`. */
  readonly message: string
}

/**
 * Sends dbfed's log records at `options.level` (default `info`) or more severe to
 * `logger(record)`, replacing the logger set before; `setLogger(null)` stops them. dbfed is
 * quiet until then, except with `NODE_DEBUG=dbfed`: every record down to `debug` on stderr.
 * Records arrive on the main thread a little after the event; the logger never keeps the
 * process alive, and what it throws is ignored. Throws a `TypeError` for an unknown level.
 */
export declare function setLogger(
  logger: ((record: LogRecord) => void) | null,
  options?: { level?: LogLevel | 'off' },
): void

/** The per-user cache settings of `UserExchanger` and `AzureOnBehalfOf`. */
export interface UserCacheOptions {
  /** The most users cached (default 10,000; at least 1); the least recently used is evicted beyond it. */
  maxUsers?: number
  /** How long a token that was refused is answered with that refusal without asking again (default 0: off). */
  negativeCacheMs?: number
  /** Issuers accepted; a JWT from another is refused without a request. */
  expectedIssuers?: string[]
  /** Audiences accepted; a JWT for none of them is refused without a request. */
  expectedAudiences?: string[]
  /** How long past its `exp` a user's JWT is still accepted (default 0). */
  expiryLeewayMs?: number
}

/** The options of `new UserExchanger`: a host, the exchange, cache and HTTP settings. */
export interface UserExchangerOptions extends HostOptions, HttpOptions, UserCacheOptions {
  /** The scopes to request (default `["all-apis"]`). */
  scopes?: string[]
  /** The token endpoint, skipping discovery. */
  tokenEndpoint?: string
  /** An RFC 8414 discovery document to read the token endpoint from. */
  discoveryUrl?: string
}

/** What a user exchanger's cache did since it was made. */
export interface UserStats {
  /** Users cached now. */
  entries: number
  /** Calls answered from the cache without waiting. */
  hits: number
  /** Calls that had to wait for a token request (a new user, or a token due for refresh). */
  misses: number
  /** Token requests made (one per user and refresh, however many callers waited). */
  exchanges: number
  /** Token requests that failed. */
  failures: number
  /** Users evicted because the cache was full. */
  evictions: number
  /** Calls refused without a request: the JWT failed a local check, or was refused recently. */
  refused: number
}

/**
 * Databricks tokens acting as the signed-in users of your service (account-wide token
 * federation): each user's JWT is exchanged for a token that acts as that user, and cached per
 * user (keyed by the JWT's SHA-256). dbfed does not verify signatures (Databricks does):
 * authenticate your users as you do today.
 *
 * @throws {ConfigError} if the configuration is incomplete or unsafe
 */
export declare class UserExchanger {
  constructor(options: UserExchangerOptions)
  /**
   * A token acting as the user whose JWT is `jwt`: from the cache, or after one exchange shared
   * by every caller waiting for that user. Rejects with a `SourceError` for a JWT refused locally
   * (not a JWT, expired, unexpected issuer or audience), an `ExchangeError` for one Databricks refused.
   */
  tokenFor(jwt: string): Promise<AccessToken>
  /** The user's cached token if it can be had without waiting (no I/O), else null. */
  cachedTokenFor(jwt: string): AccessToken | null
  /** `{ Authorization: 'Bearer <token>' }` for a request made as the user whose JWT is `jwt`. */
  headersFor(jwt: string): Promise<{ Authorization: string }>
  /** Forgets the user's `token` if it is still the cached one (after an API answered 401 to it); returns whether it did. */
  invalidateTokenFor(jwt: string, token: AccessToken): boolean
  /** Counters of cached users, hits, misses, exchanges, failures, evictions and refusals. */
  stats(): UserStats
}

/** How an Entra application authenticates: `clientSecret` or `clientAssertion`, not both. */
export interface EntraClientOptions {
  /** The Entra tenant (directory) id or domain. */
  tenantId?: string
  /** The application (client) id; with a managed identity, a user-assigned identity's. */
  clientId?: string
  /** The application's client secret (never shown). */
  clientSecret?: string
  /** A source whose JWT is the client assertion (workload identity federation), asked for audience `api://AzureADTokenExchange` at every Entra request. */
  clientAssertion?: sources.Source
  /** The Entra authority host (default `https://login.microsoftonline.com`). */
  authorityHost?: string
}

/** The options of `new AzureCredential`: an application (`tenantId`, `clientId`, and `clientSecret` or `clientAssertion`), or `managedIdentity: true`. */
export interface AzureCredentialOptions extends EntraClientOptions, HttpOptions {
  /** Use the managed identity of the Azure VM, container or pod, from IMDS (`clientId` picks a user-assigned one). */
  managedIdentity?: boolean
  /** The IMDS token endpoint, for a managed identity (default `http://169.254.169.254/metadata/identity/oauth2/token`). */
  imdsEndpoint?: string
  /** The resource the tokens are for (default the Azure Databricks resource id). */
  resource?: string
}

/** The options of `AzureCredential.fromEnv`: those no Azure Identity variable sets. */
export interface AzureFromEnvOptions extends HttpOptions {
  /** Use the managed identity (`AZURE_CLIENT_ID` picks a user-assigned one, `AZURE_POD_IDENTITY_AUTHORITY_HOST` moves IMDS). */
  managedIdentity?: boolean
  /** The resource the tokens are for (default the Azure Databricks resource id). */
  resource?: string
}

/**
 * A `Credential` for Azure Databricks whose tokens are Microsoft Entra ID tokens for the Azure
 * Databricks resource, accepted as they are (no token exchange); cached and refreshed like every
 * credential's. `endpoints()` and `diagnose()` are for token federation and reject with a `ConfigError`.
 *
 * @throws {ConfigError} if the configuration is incomplete or unsafe (no request is made before the first token is asked for)
 */
export declare class AzureCredential extends Credential {
  constructor(options: AzureCredentialOptions)
  /**
   * An Azure credential from the Azure Identity variables that are set: `AZURE_AUTHORITY_HOST`,
   * `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, and `AZURE_CLIENT_SECRET` or else
   * `AZURE_FEDERATED_TOKEN_FILE` (AKS workload identity; the file is read at every Entra request).
   *
   * @throws {ConfigError} if the variables do not make a configuration
   */
  static fromEnv(options?: AzureFromEnvOptions): AzureCredential
}

/** The options of `new AzureOnBehalfOf`. */
export interface AzureOnBehalfOfOptions extends EntraClientOptions, HttpOptions, UserCacheOptions {
  /** The Entra tenant id or domain. */
  tenantId: string
  /** The application the users' tokens are issued to. */
  clientId: string
  /** The scope requested (default `2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/user_impersonation`, Azure Databricks). */
  scope?: string
}

/**
 * Azure Databricks tokens acting as the users signed in to an Entra application: each user's
 * Entra access token (issued to this application) is exchanged with the OAuth 2.0 on-behalf-of
 * grant at `{authorityHost}/{tenantId}/oauth2/v2.0/token`, and the result cached per user, as
 * `UserExchanger` does.
 *
 * @throws {ConfigError} if the configuration is incomplete or unsafe
 */
export declare class AzureOnBehalfOf {
  constructor(options: AzureOnBehalfOfOptions)
  /**
   * An Azure Databricks token acting as the user whose Entra access token is `jwt`: from the
   * cache, or after one request shared by every caller waiting for that user. Rejects with a
   * `SourceError` for a token refused locally, an `ExchangeError` for one Entra refused.
   */
  tokenFor(jwt: string): Promise<AccessToken>
  /** The user's cached token if it can be had without waiting (no I/O), else null. */
  cachedTokenFor(jwt: string): AccessToken | null
  /** `{ Authorization: 'Bearer <token>' }` for a request made as the user whose Entra access token is `jwt`. */
  headersFor(jwt: string): Promise<{ Authorization: string }>
  /** Forgets the user's `token` if it is still the cached one (after an API answered 401 to it); returns whether it did. */
  invalidateTokenFor(jwt: string, token: AccessToken): boolean
  /** Counters of cached users, hits, misses, requests, failures, evictions and refusals. */
  stats(): UserStats
}

/** The kinds of `DbfedError` (`INTERNAL`: a bug of dbfed, caught at the addon's boundary). */
export type ErrorCode = 'CONFIG' | 'SOURCE' | 'REJECTED' | 'MALFORMED' | 'TRANSPORT' | 'DBFED' | 'INTERNAL'

/** Base class of every error dbfed throws. Messages and fields never contain a token, a JWT or a secret. */
export declare class DbfedError extends Error {
  constructor(message: string, code: ErrorCode, options?: ErrorOptions)
  readonly code: ErrorCode
}

/** The configuration is incomplete or unsafe (thrown before any network call). */
export declare class ConfigError extends DbfedError {
  constructor(message: string, options?: ErrorOptions)
  readonly code: 'CONFIG'
}

/**
 * The subject JWT could not be had: a variable unset, a file missing or empty, a callback that
 * threw or rejected (what it threw is the `cause`) or timed out, a JWT already expired, a
 * refused or failed JWT request of a source (its `ExchangeError` or `TransportError` is the `cause`).
 */
export declare class SourceError extends DbfedError {
  constructor(message: string, fields: { sourceName: string }, options?: ErrorOptions)
  readonly code: 'SOURCE'
  /** Which source failed: `env`, `file`, `callback`, `github-actions`, … */
  readonly sourceName: string
}

/** The fields of an `ExchangeError`, as its constructor takes them. */
export interface ExchangeErrorFields {
  /** HTTP status of the answer. */
  status: number
  /** The URL that answered. */
  endpoint: string
  /** The server's error code. */
  error?: string | null
  /** The server's explanation. */
  description?: string | null
  /** The server's request id. */
  requestId?: string | null
  /** Milliseconds the server asked to wait (`Retry-After`). */
  retryAfterMs?: number | null
}

/** The server refused the token exchange (or a discovery request), with its own words. */
export declare class ExchangeError extends DbfedError {
  constructor(message: string, fields: ExchangeErrorFields, options?: ErrorOptions)
  readonly code: 'REJECTED' | 'MALFORMED'
  /** HTTP status of the answer. */
  readonly status: number
  /** The URL that answered (without its query). */
  readonly endpoint: string
  /** The server's error code (`invalid_grant`, `invalid_client`, …), if any. */
  readonly error: string | null
  /** The server's explanation, if any. */
  readonly description: string | null
  /** The server's request id (quote it to Databricks support), if any. */
  readonly requestId: string | null
  /** Milliseconds the server asked to wait before trying again (`Retry-After`), if it did. */
  readonly retryAfterMs: number | null
}

/** The server answered, but not with something dbfed can use; `description` says what is wrong. */
export declare class MalformedResponseError extends ExchangeError {
  readonly code: 'MALFORMED'
}

/** No answer: connection refused or dropped, timeout, TLS failure. */
export declare class TransportError extends DbfedError {
  constructor(message: string, fields: { endpoint: string; retryable: boolean }, options?: ErrorOptions)
  readonly code: 'TRANSPORT'
  /** The URL that was called (without its query). */
  readonly endpoint: string
  /** Whether the failure is of a kind worth retrying (connect error, timeout, dropped connection). */
  readonly retryable: boolean
}

/** Where the subject JWTs come from: one class per source of the Rust core. */
export declare namespace sources {
  /** What a source callback is told. */
  interface SourceContext {
    /** The audience the JWT should carry. */
    audience: string
  }

  /** Base class of the sources (abstract). */
  abstract class Source {
    /** The source's short name, as errors and `Credential.sourceName` give it. */
    get name(): string
  }

  /** A JWT you manage yourself (never shown). */
  class Fixed extends Source {
    constructor(jwt: string)
  }

  /** The environment variable `name`, read at every exchange. */
  class EnvVar extends Source {
    constructor(name: string)
  }

  /** The file at `path`, read and trimmed at every exchange (rotated tokens are picked up). */
  class File extends Source {
    constructor(path: string)
  }

  /** A projected Kubernetes service-account token at `path`, else the default location. */
  class Kubernetes extends Source {
    constructor(path?: string)
    /** The file named by `AZURE_FEDERATED_TOKEN_FILE` (AKS workload identity). */
    static azureFederatedToken(): Kubernetes
    /** The file named by `AWS_WEB_IDENTITY_TOKEN_FILE` (EKS). */
    static awsWebIdentityToken(): Kubernetes
  }

  /** GitLab CI: the ID token in `variable`, the name given to it under the job's `id_tokens:`. */
  class GitLab extends Source {
    constructor(variable: string)
  }

  /** CircleCI: `CIRCLE_OIDC_TOKEN_V2`, else `CIRCLE_OIDC_TOKEN`. */
  class CircleCI extends Source {
    constructor()
  }

  /** Bitbucket Pipelines: `BITBUCKET_STEP_OIDC_TOKEN`. */
  class Bitbucket extends Source {
    constructor()
  }

  /** HCP Terraform: `TFC_WORKLOAD_IDENTITY_TOKEN`, or `TFC_WORKLOAD_IDENTITY_TOKEN_<tag>`. */
  class Terraform extends Source {
    constructor(tag?: string)
  }

  /** GitHub Actions (`permissions: id-token: write`): the job's OIDC token, cached until shortly before it expires. */
  class GitHubActions extends Source {
    constructor(options?: HttpOptions & { /** Default: the credential's audience. */ audience?: string })
  }

  /** Azure DevOps: an ID token for a service connection, else the pipeline's own; needs `SYSTEM_ACCESSTOKEN` in the step. */
  class AzureDevOps extends Source {
    constructor(options?: HttpOptions & { /** The service connection's id. */ serviceConnection?: string })
  }

  /** Google Cloud (GCE, GKE, Cloud Run): the metadata server's identity token for the audience. */
  class GcpMetadata extends Source {
    constructor(options?: HttpOptions & { /** Host and port of the metadata server (default `GCE_METADATA_HOST`, else `metadata.google.internal`). */ host?: string })
  }

  /** The options of `OidcClientCredentials`. */
  interface OidcClientCredentialsOptions extends HttpOptions {
    /** The IdP's issuer URL; the token endpoint comes from its discovery document unless `tokenEndpoint` is given. */
    issuer: string
    /** The client id at the IdP. */
    clientId: string
    /** The client secret (never shown); or `privateKeyPem`. */
    clientSecret?: string
    /** A PKCS#8 PEM private key for RFC 7523 `private_key_jwt` (never shown); or `clientSecret`. */
    privateKeyPem?: string
    /** Default `client_secret_basic` with a secret, `private_key_jwt` with a key. */
    authMethod?: 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt'
    /** Signing algorithm of `privateKeyPem` (default `RS256`). */
    algorithm?: 'RS256' | 'ES256'
    /** The `kid` of the key, if the IdP needs one. */
    keyId?: string
    /** The IdP's token endpoint, skipping discovery. */
    tokenEndpoint?: string
    /** The scope to request. */
    scope?: string
    /** The form field that carries the credential's audience (Auth0: `audience`; Entra v1: `resource`). */
    audienceParameter?: string
    /** The response field holding the JWT (default `access_token`). */
    tokenField?: 'access_token' | 'id_token'
  }

  /** Any OIDC identity provider (Okta, Auth0, Keycloak, Entra, …) by the client-credentials grant. */
  class OidcClientCredentials extends Source {
    constructor(options: OidcClientCredentialsOptions)
  }

  /**
   * Runs `program` with `args` (never through a shell) and exchanges the JWT it prints (a bare
   * JWT, or the executable-source JSON); `{audience}` in an argument is replaced by the audience.
   */
  class Command extends Source {
    constructor(program: string, args?: string[], options?: { /** Default 30 s. */ timeoutMs?: number })
    /** Buildkite: `buildkite-agent oidc request-token --audience <audience>`. */
    static buildkite(): Command
  }

  /**
   * Calls `fn(context)` for every JWT. What it throws or rejects with becomes the `cause` of a
   * `SourceError`; a call that has not settled within `timeoutMs` (default 60 s) fails.
   */
  class Callback extends Source {
    constructor(fn: (context: SourceContext) => string | Promise<string>, options?: { timeoutMs?: number })
  }

  /** Tries its sources in order and exchanges the first JWT one produces. */
  class Chain extends Source {
    constructor(...sources: Source[])
  }
}
