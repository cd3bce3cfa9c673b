"""JSON Schemas of the envelopes, exported and checked in so other languages (the
JupyterLab sidebar) and other versions can be contract-tested against them."""

import json
from importlib import resources
from pathlib import Path

from learnflow_agents.contracts.codec import envelope_type
from learnflow_agents.contracts.topics import Topic

SCHEMA_DIR = Path(str(resources.files("learnflow_agents.contracts") / "schemas"))


def schema_documents() -> dict[str, str]:
    """File name -> JSON text, one envelope schema per topic."""
    docs = {}
    for topic in Topic:
        schema = envelope_type(topic).model_json_schema()
        schema["$id"] = f"https://learnflow.dev/schemas/{topic.value}.schema.json"
        schema["title"] = f"{topic.value} envelope"
        docs[f"{topic.value}.schema.json"] = json.dumps(schema, indent=2, sort_keys=True) + "\n"
    return docs


def export(directory: Path = SCHEMA_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in schema_documents().items():
        path = directory / name
        path.write_text(text)
        written.append(path)
    return written


def drift(directory: Path = SCHEMA_DIR) -> list[str]:
    """Names of schema files that differ from (or are missing against) the models."""
    problems = []
    expected = schema_documents()
    for name, text in expected.items():
        path = directory / name
        if not path.exists():
            problems.append(f"{name}: missing")
        elif path.read_text() != text:
            problems.append(f"{name}: differs from the models")
    problems.extend(
        f"{path.name}: no model produces it"
        for path in sorted(directory.glob("*.schema.json"))
        if path.name not in expected
    )
    return problems
