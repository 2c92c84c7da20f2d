"""Where the subject JWTs come from: one class per source, each a :class:`Source`."""

from ._native import Callback, EnvVar, File, Fixed, Source, SourceContext

__all__ = ["Callback", "EnvVar", "File", "Fixed", "Source", "SourceContext"]
