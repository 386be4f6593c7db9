"""The batch state machine's steps by name, each a function of its event: ``plan``, ``score``, ``assemble``,
``summarize`` (``lambda_image/batch_handler.py`` is the Lambda that runs them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from inference.batch.assemble import assemble_object, summarize
from inference.batch.plan import plan_job
from inference.batch.worker import score_range
from inference.errors import InvalidInput
from inference.model.bundle import ModelBundle
from inference.settings import Settings

STEPS = ("plan", "score", "assemble", "summarize")


def run(event: object, client: Any, settings: Settings, model: Callable[[], ModelBundle]) -> dict[str, Any]:
    """Run the step ``event["step"]`` names; the model is loaded only by the steps that score."""
    step = event.get("step") if isinstance(event, dict) else None
    if not isinstance(event, dict) or step not in STEPS:
        raise InvalidInput(f"the event must name a step: {', '.join(STEPS)}", code="invalid_step", field="step")
    if step == "plan":
        return plan_job(event, client, settings, model())
    if step == "score":
        return score_range(event, client, model())
    return assemble_object(event, client) if step == "assemble" else summarize(event, client)
