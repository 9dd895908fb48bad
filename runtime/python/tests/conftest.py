import os
import re

from hypothesis import settings

# No example database on disk (it would land in the working directory); CI runs are reproducible by seed.
settings.register_profile("runtime", database=None, deadline=None, max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", "300")))
settings.load_profile("runtime")

_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def snake_context(value):
    """A vector's camelCase context (traceId, parentId, ...) as the snake_case mapping Python takes."""
    if isinstance(value, dict):
        return {_CAMEL.sub("_", key).lower(): item for key, item in value.items()}
    return value


def camel_context(context):
    """A TraceContext as the Node runtime's JSON: camelCase keys, fields that are None left out."""
    if context is None:
        return None
    return {
        key: value for key, value in (
            ("traceId", context.trace_id), ("parentId", context.parent_id), ("traceFlags", context.trace_flags),
            ("sampled", context.sampled), ("traceState", context.trace_state), ("lineage", context.lineage),
            ("extra", context.extra),
        ) if value is not None
    }
