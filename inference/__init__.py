"""Shared inference runtime: schema, safe model loading, request decoding and prediction.

Imports neither CDK nor a web framework; the Lambda handler and the HTTP server are thin adapters over
:class:`Predictor`. See docs/dev/contract.md for the API the adapters rely on.
"""

from inference.errors import (
    InferenceError,
    InvalidInput,
    MethodNotAllowed,
    ModelFormatError,
    ModelUnavailable,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from inference.service import LoadedModel, Predictor

__all__ = [
    "InferenceError",
    "InvalidInput",
    "LoadedModel",
    "MethodNotAllowed",
    "ModelFormatError",
    "ModelUnavailable",
    "NotFound",
    "PayloadTooLarge",
    "Predictor",
    "UnsupportedMediaType",
]
