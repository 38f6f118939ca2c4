"""The JSON Schema of mlci.yaml, generated from the models so it cannot drift from them."""

from __future__ import annotations

import json
from typing import Any


def spec_json_schema() -> dict[str, Any]:
    from mlci.spec.model import Spec

    schema = Spec.model_json_schema(by_alias=True)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def spec_json_schema_text() -> str:
    return json.dumps(spec_json_schema(), indent=2, sort_keys=True) + "\n"


# Written into each project by `mlci generate`, so the `$schema=` line of mlci.yaml finds
# the schema of the mlci version the project uses, offline.
EDITOR_SCHEMA = ".mlci/schema.json"


def editor_schema_text() -> str:
    from mlci.markers import HEADER_TAG, REGENERATE_HINT

    schema = {"$comment": f"{HEADER_TAG}. {REGENERATE_HINT}", **spec_json_schema()}
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"
