"""The metrics every backend writes: namespace, names, units and dimensions. The alarms and the dashboard
(``cdk_constructs/monitoring.py``) read these very names; ``tests/infra/test_metric_names.py`` joins both sides."""

from __future__ import annotations

NAMESPACE = "XgboostServerless"
MONITORING_NAMESPACE = "XgboostServerless/Monitoring"
"""Data capture's and the drift monitor's metrics (``CaptureDropped``, ``FeaturePsi``, ``DriftedFeatures``...)."""
MAX_VALUES = 100
"""EMF takes at most 100 values for one metric in one document; a window keeps a uniform sample of that many."""
UNMEASURED = frozenset({"/ping"})
"""Health checks are not invocations (the ALB and ECS send one every few seconds)."""


class Metric:
    INVOCATIONS = "Invocations"
    ERRORS_4XX = "Invocation4XXErrors"
    ERRORS_5XX = "Invocation5XXErrors"
    ROWS = "Rows"
    MODEL_LATENCY = "ModelLatency"
    """Milliseconds inside the route's operation: reading the body, predicting, writing the answer."""
    OVERHEAD_LATENCY = "OverheadLatency"
    """Milliseconds in the adapter around it: the event or HTTP request, routing, the response."""
    PREDICTION = "Prediction"
    """Regression: the answered values, in the schema's unit."""
    PREDICTED_LABEL = "PredictedLabel"
    """Classification: how many rows were answered each label (``Label`` dimension)."""
    COLD_START = "ColdStart"
    MODEL_LOAD_TIME = "ModelLoadTime"
    INIT_DURATION = "InitDuration"
    """Milliseconds from the adapter's import to the model loaded (the runtime's own start excluded)."""
    FAILED_ROWS = "FailedRows"
    """Batch scoring: rows of a range that could not be scored (each listed in the job's errors file)."""


class Dimension:
    BACKEND = "Backend"
    ROUTE = "Route"
    MODEL_VERSION = "ModelVersion"
    ERROR_FAMILY = "ErrorFamily"
    LABEL = "Label"


D = Dimension
REQUEST_DIMENSIONS = [[D.BACKEND, D.MODEL_VERSION], [D.BACKEND, D.ROUTE, D.MODEL_VERSION]]
FAMILY_DIMENSIONS = [[D.BACKEND, D.ERROR_FAMILY]]
ANSWER_DIMENSIONS = [[D.BACKEND, D.MODEL_VERSION]]
LABEL_DIMENSIONS = [[D.BACKEND, D.MODEL_VERSION, D.LABEL]]
PROCESS_DIMENSIONS = [[D.BACKEND]]
MILLISECONDS = (Metric.MODEL_LATENCY, Metric.OVERHEAD_LATENCY, Metric.MODEL_LOAD_TIME, Metric.INIT_DURATION)
UNITS = {**dict.fromkeys(MILLISECONDS, "Milliseconds"), Metric.PREDICTION: "None"}
"""Every other metric counts (``Count``)."""
ERROR_FAMILIES = {400: "invalid_input", 404: "route", 405: "route", 406: "media_type", 415: "media_type",
                  408: "timeout", 413: "too_large"}  # fmt: skip
"""4xx statuses by what the client has to change; any other 4xx is ``other``."""
BATCH_BACKEND = "batch"
"""The ``Backend`` the batch function writes (``lambda_image/batch_handler.py``) and BatchStack's alarms read."""
NO_VERSION = "none"
"""``ModelVersion`` while no model is loaded."""
