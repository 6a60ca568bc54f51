"""Is today's OpenAPI schema still compatible with the last released v1?

v1 changes only by addition. A schema is reduced to a set of facts a client can rely on (an
operation, a parameter, a field of a body, a value of an enum, a request field being optional);
a fact of the released schema that today's schema lacks is a break. `core/openapi/v1-breaks.txt`
lists the breaks made on purpose, one fact per line with the reason after ` # `.
"""

import json
from collections.abc import Iterable
from fnmatch import fnmatchcase
from pathlib import Path

OPENAPI_DIR = Path(__file__).resolve().parent / "openapi"
RELEASED_V1 = OPENAPI_DIR / "v1-released.json"
DELIBERATE_BREAKS = OPENAPI_DIR / "v1-breaks.txt"
METHODS = ("get", "put", "post", "patch", "delete", "head", "options")


def _schema_facts(node, where: str, *, request: bool = False) -> Iterable[str]:
    """Response fields must stay; request fields must stay accepted and must not become required."""
    if not isinstance(node, dict):
        return
    for value in node.get("enum") or []:
        if value is not None:  # a nullable enum lists null; dropping nullability shows up elsewhere
            yield f"enum {where} = {value!r}"
    required = set(node.get("required") or [])
    for name, sub in (node.get("properties") or {}).items():
        yield f"field {where}.{name}"
        if request and name not in required:
            yield f"optional {where}.{name}"
        yield from _schema_facts(sub, f"{where}.{name}", request=request)
    for key in ("allOf", "oneOf", "anyOf"):
        for sub in node.get(key) or []:
            yield from _schema_facts(sub, where, request=request)
    for key in ("items", "additionalProperties"):
        yield from _schema_facts(node.get(key), f"{where}[]", request=request)


def facts(schema: dict) -> set[str]:
    """What a client of this schema relies on. Request bodies are their own components (FooRequest,
    PatchedFooRequest: COMPONENT_SPLIT_REQUEST), so request and response fields are told apart."""
    out: set[str] = set()
    for name, component in (schema.get("components", {}).get("schemas") or {}).items():
        out.update(_schema_facts(component, name, request=name.endswith("Request")))
    for path, operations in (schema.get("paths") or {}).items():
        for method in METHODS:
            operation = operations.get(method)
            if operation is None:
                continue
            op = f"{method.upper()} {path}"
            out.add(f"operation {op}")
            for parameter in operation.get("parameters") or []:
                out.add(f"parameter {op} {parameter['in']}:{parameter['name']}")
                if not parameter.get("required"):
                    out.add(f"optional-parameter {op} {parameter['in']}:{parameter['name']}")
                out.update(_schema_facts(parameter.get("schema"), f"{op} ?{parameter['name']}"))
            for media_type in (operation.get("requestBody") or {}).get("content") or {}:
                out.add(f"request-type {op} {media_type}")
            for status, response in (operation.get("responses") or {}).items():
                if status.startswith("2"):
                    out.add(f"response {op} {status}")
                for media_type, content in (response.get("content") or {}).items():
                    out.add(f"response-type {op} {status} {media_type}")
                    out.update(_schema_facts(content.get("schema"), f"{op} {status}"))
    return out


def deliberate_breaks(path: Path = DELIBERATE_BREAKS) -> list[str]:
    """Patterns (fnmatch: `*` matches anything) of the facts that were dropped on purpose."""
    if not path.exists():
        return []
    lines = (line.split(" # ")[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def breaking_changes(released: dict, current: dict, allowed: list[str] | None = None) -> list[str]:
    """Facts of the released schema missing from the current one, less the deliberate breaks."""
    allowed = deliberate_breaks() if allowed is None else allowed
    missing = facts(released) - facts(current)
    return sorted(f for f in missing if not any(fnmatchcase(f, pattern) for pattern in allowed))


def released_v1() -> dict:
    return json.loads(RELEASED_V1.read_text(encoding="utf-8"))
