"""The shape of ``inference/``: each layer imports only the layers below it, no two modules import each other
(directly or round a loop), and the environment is read in one place.

Every import counts, lazy and ``TYPE_CHECKING`` ones included: an import that runs back up is a loop waiting to
happen, whenever it runs.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from inference.settings import Env

REPO = Path(__file__).resolve().parents[2]
LAYERS = [
    ("inference.errors", "inference.settings"),
    ("inference.trees",),
    ("inference.explain",),
    ("inference.model",),
    ("inference.protocols.limits", "inference.protocols.json_text"),
    ("inference.protocols.formats", "inference.protocols.v2.tensors"),
    ("inference.protocols.codecs",),
    ("inference.protocols.api", "inference.protocols.sagemaker", "inference.protocols.v2"),
    ("inference.batch",),
    (
        "inference.service",
        "inference.logs",
        "inference.metrics",
        "inference.expected",
        "inference.lanes",
        "inference.capture_sinks",
    ),
    ("inference.routes", "inference.exchange", "inference", "inference.pre_traffic", "inference.capture"),
    ("inference.monitoring",),
]
"""From the ground up; a module may import its own layer's modules (without a loop) and any layer below."""


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted((REPO / "inference").rglob("*.py"))}


def layer_of(module: str) -> int:
    matches = [(len(prefix), rank) for rank, prefixes in enumerate(LAYERS) for prefix in prefixes
               if module == prefix or module.startswith(prefix + ".")]  # fmt: skip
    assert matches, f"{module} is in no layer: add it to LAYERS"
    return max(matches)[1]


def imports_of(module: str) -> set[str]:
    """The modules of ``inference`` that ``module`` imports anywhere in its text."""
    found = set()
    for node in ast.walk(ast.parse(MODULES[module].read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:  # a submodule, or a name of the module
            found |= {f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in MODULES else node.module
                      for a in node.names}  # fmt: skip
    return {name for name in found if name in MODULES and name != module}


GRAPH = {module: imports_of(module) for module in MODULES}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_a_module_imports_only_its_layer_and_those_below(module: str) -> None:
    upward = sorted(name for name in GRAPH[module] if layer_of(name) > layer_of(module))
    assert not upward, f"{module} (layer {layer_of(module)}) imports from higher layers: {upward}"


def test_no_modules_import_each_other_round_a_loop() -> None:
    visiting: list[str] = []
    done: set[str] = set()

    def visit(module: str) -> None:
        if module in visiting:
            raise AssertionError(f"import loop: {' -> '.join([*visiting[visiting.index(module) :], module])}")
        if module in done:
            return
        visiting.append(module)
        for name in sorted(GRAPH[module] - {"inference"}):  # the package face re-exports; it is not a dependency
            visit(name)
        visiting.pop()
        done.add(module)

    for module in sorted(MODULES):
        visit(module)


def test_only_the_settings_module_reads_the_environment() -> None:
    readers = []
    for folder in ("inference", "lambda_image", "fargate_image"):
        for path in (REPO / folder).rglob("*.py"):
            if re.search(r"os\.environ|os\.getenv|getenv\(", path.read_text()):
                readers.append(str(path.relative_to(REPO)))
    assert readers == ["inference/settings.py"]


def test_the_stacks_write_variables_by_the_names_the_images_read() -> None:
    names = {value for key, value in vars(Env).items() if key.isupper()}
    for folder in ("cdk_constructs", "stacks"):
        for path in (REPO / folder).rglob("*.py"):
            if "training_job_handler" in path.parts:  # a function of its own, not an image
                continue
            literals = {node.value for node in ast.walk(ast.parse(path.read_text()))
                        if isinstance(node, ast.Constant) and isinstance(node.value, str)}  # fmt: skip
            assert not literals & names, f"{path.name} writes {sorted(literals & names)} as literals; use Env"
