"""Where the subject JWTs come from: one class per source, each a :class:`Source`.

- On the machine: :class:`File`, :class:`EnvVar`, :class:`Fixed`, :class:`Kubernetes`
  (``Kubernetes.azure_federated_token()`` for AKS, ``Kubernetes.aws_web_identity_token()``
  for EKS).
- CI systems: :class:`GitHubActions`, :class:`AzureDevOps`, :class:`GitLab`,
  :class:`CircleCI`, :class:`Bitbucket`, :class:`Terraform` (HCP Terraform), and
  ``Command.buildkite()``.
- Clouds and identity providers: :class:`GcpMetadata`, :class:`OidcClientCredentials`.
- Your own: :class:`Command` (a program), :class:`Callback` (a function), and :class:`Chain`
  (the first of several that works).

Sources that request their JWT (over HTTP or by running a program) cache it until shortly
before it expires; those that read a file or a variable re-read it at every exchange.
"""

from ._native import (
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
    SourceContext,
    Terraform,
)

__all__ = [
    "AzureDevOps",
    "Bitbucket",
    "Callback",
    "Chain",
    "CircleCI",
    "Command",
    "EnvVar",
    "File",
    "Fixed",
    "GcpMetadata",
    "GitHubActions",
    "GitLab",
    "Kubernetes",
    "OidcClientCredentials",
    "Source",
    "SourceContext",
    "Terraform",
]
