'use strict';
// The `sources` namespace: one class per source of the Rust core, each holding the native
// source it was built with. `util.inspect` shows the core's description of a source: its
// settings, never a JWT or a secret.

const { inspect } = require('node:util');
const native = require('./native.js');
const { lift } = require('./errors.js');
const { render } = require('./shown.js');

/** The native source of each `Source`, for the credential it is given to. */
const NATIVE = Symbol('dbfed.native');

/** Where the subject JWTs come from; use one of its subclasses. */
class Source {
  /** @param {() => object} make builds the native source */
  constructor(make) {
    if (new.target === Source) {
      throw new TypeError('Source is abstract: use one of the classes of dbfed.sources');
    }
    try {
      this[NATIVE] = make();
    } catch (error) {
      throw lift(error);
    }
    Object.defineProperty(this, NATIVE, { enumerable: false });
  }

  /** The source's short name, as errors and `Credential.sourceName` give it. */
  get name() {
    return this[NATIVE].name;
  }

  [inspect.custom](depth, options, inspectValue) {
    return render(this[NATIVE].describe(), options, inspectValue);
  }
}

/** A JWT you manage yourself (never shown). */
class Fixed extends Source {
  constructor(jwt) {
    super(() => native.Source.fixed(jwt));
  }
}

/** The environment variable `name`, read at every exchange. */
class EnvVar extends Source {
  constructor(name) {
    super(() => native.Source.envVar(name));
  }
}

/** The file at `path`, read and trimmed at every exchange (rotated tokens are picked up). */
class File extends Source {
  constructor(path) {
    super(() => native.Source.file(String(path)));
  }
}

/**
 * A projected Kubernetes service-account token, at `path` or the default location; the
 * kubelet rotates it. `Kubernetes.azureFederatedToken()` (AKS workload identity) and
 * `Kubernetes.awsWebIdentityToken()` (EKS) read the file their variables name.
 */
class Kubernetes extends Source {
  constructor(path, make = () => native.Source.kubernetes(path)) {
    super(make);
  }

  static azureFederatedToken() {
    return new Kubernetes(undefined, () => native.Source.azureFederatedToken());
  }

  static awsWebIdentityToken() {
    return new Kubernetes(undefined, () => native.Source.awsWebIdentityToken());
  }
}

/** GitLab CI: the ID token in `variable`, the name given to it under the job's `id_tokens:`. */
class GitLab extends Source {
  constructor(variable) {
    super(() => native.Source.gitlab(variable));
  }
}

/** CircleCI: `CIRCLE_OIDC_TOKEN_V2`, else `CIRCLE_OIDC_TOKEN`. */
class CircleCI extends Source {
  constructor() {
    super(() => native.Source.circleci());
  }
}

/** Bitbucket Pipelines: `BITBUCKET_STEP_OIDC_TOKEN` (a step with `oidc: true`). */
class Bitbucket extends Source {
  constructor() {
    super(() => native.Source.bitbucket());
  }
}

/** HCP Terraform: `TFC_WORKLOAD_IDENTITY_TOKEN`, or `TFC_WORKLOAD_IDENTITY_TOKEN_<tag>`. */
class Terraform extends Source {
  constructor(tag) {
    super(() => native.Source.terraform(tag));
  }
}

/**
 * GitHub Actions: the job's OIDC ID token (`permissions: id-token: write`) for `audience`, by
 * default the credential's; cached until shortly before it expires.
 */
class GitHubActions extends Source {
  constructor(options = {}) {
    super(() => native.Source.githubActions(options.audience, options));
  }
}

/**
 * Azure DevOps: an ID token for the service connection `serviceConnection` (its id), else the
 * one `AZURESUBSCRIPTION_SERVICE_CONNECTION_ID` names, else the pipeline's own. Needs
 * `SYSTEM_ACCESSTOKEN` mapped into the step.
 */
class AzureDevOps extends Source {
  constructor(options = {}) {
    super(() => native.Source.azureDevops(options.serviceConnection, options));
  }
}

/** Google Cloud: the metadata server's identity token for the audience. */
class GcpMetadata extends Source {
  constructor(options = {}) {
    super(() => native.Source.gcpMetadata(options.host, options));
  }
}

/**
 * Any OIDC identity provider (Okta, Auth0, Keycloak, Entra, …) by the client-credentials
 * grant, with `clientSecret` or `privateKeyPem` (never shown).
 */
class OidcClientCredentials extends Source {
  constructor(options) {
    super(() => native.Source.oidcClientCredentials(options, options));
  }
}

/**
 * Runs `program` with `args` (never through a shell) and exchanges the JWT it prints;
 * `{audience}` in an argument is replaced by the audience. `Command.buildkite()` runs
 * `buildkite-agent oidc request-token --audience <audience>`.
 */
class Command extends Source {
  constructor(program, args = [], options = {}, make = () => native.Source.command(program, args, options.timeoutMs)) {
    super(make);
  }

  static buildkite() {
    return new Command('buildkite-agent', undefined, undefined, () => native.Source.buildkite());
  }
}

/**
 * Calls `fn(context)` for every JWT: a plain or `async` function returning the JWT for
 * `context.audience`. What it throws or rejects with becomes the `cause` of a `SourceError`;
 * a call that takes longer than `timeoutMs` (default 60 s) fails.
 */
class Callback extends Source {
  constructor(fn, options = {}) {
    if (typeof fn !== 'function') {
      throw new TypeError(`Callback needs a function, not ${typeof fn}`);
    }
    // Always a promise, so that a throw or a wrong type is a rejection.
    const call = async (context) => {
      const jwt = await fn(context);
      if (typeof jwt !== 'string') {
        throw new TypeError(`the source callback returned ${typeof jwt}, not the JWT as a string`);
      }
      return jwt;
    };
    super(() => native.Source.callback(call, options.timeoutMs));
  }
}

/** Tries its sources in order and exchanges the first JWT one produces. */
class Chain extends Source {
  constructor(...sources) {
    for (const source of sources) {
      if (!(source instanceof Source)) {
        throw new TypeError('Chain takes sources of dbfed.sources');
      }
    }
    super(() => native.Source.chain(sources.map((source) => source[NATIVE])));
  }
}

module.exports = {
  NATIVE,
  sources: {
    AzureDevOps,
    Bitbucket,
    Callback,
    Chain,
    CircleCI,
    Command,
    EnvVar,
    File,
    Fixed,
    GcpMetadata,
    GitHubActions,
    GitLab,
    Kubernetes,
    OidcClientCredentials,
    Source,
    Terraform,
  },
};
