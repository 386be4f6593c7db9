"""Entry point of the Fargate image: ``python -m fargate_image.serve`` runs uvicorn with production settings.

uvicorn with httptools and uvloop, the app factory called once per worker process, no Server header, no
proxy headers (the ALB is the only client), JSON logs on stdout and access logs off unless asked for.
Settings come from the environment; a bad value stops the process with a message naming the variable.
On SIGTERM uvicorn stops accepting connections, finishes in-flight requests, and the process exits 0.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Mapping
from types import FrameType
from typing import Any

import uvicorn

APP_FACTORY = "fargate_image.server:create_app"


def logging_config(level: str) -> dict[str, Any]:
    """dictConfig for uvicorn's loggers and the ``inference`` loggers (Predictor and this server)."""
    logger = {"handlers": ["stdout"], "level": level, "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "inference.logs.JsonLogFormatter"}},
        "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"}},
        "loggers": {"uvicorn": logger, "uvicorn.access": logger, "inference": logger},
    }


def _integer(environ: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = environ.get(name, "").strip() or str(default)
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise SystemExit(f"{name} must be an integer from {low} to {high}, got {raw!r}")
    return int(raw)


def uvicorn_settings(environ: Mapping[str, str]) -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.run``, from the environment (see the module docstring)."""
    _integer(environ, "REQUEST_TIMEOUT_SECONDS", 15, 1, 300)  # read by protocol.py and server.py; checked here
    level = environ.get("LOG_LEVEL", "INFO").strip().upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise SystemExit(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {level!r}")
    return {
        "factory": True,
        # All interfaces inside the container: the task's security group decides who may connect.
        "host": environ.get("HOST", "0.0.0.0"),  # noqa: S104
        "port": _integer(environ, "PORT", 8080, 1, 65535),
        "workers": _integer(environ, "WEB_CONCURRENCY", 1, 1, 64),
        "loop": "uvloop",
        "http": "fargate_image.protocol:BoundedHttpToolsProtocol",  # httptools + head limits, lingering close
        "lifespan": "off",
        "timeout_keep_alive": _integer(environ, "KEEP_ALIVE_SECONDS", 65, 1, 4000),
        "timeout_graceful_shutdown": _integer(environ, "GRACEFUL_SHUTDOWN_SECONDS", 20, 1, 3600),
        "server_header": False,
        "proxy_headers": False,
        "access_log": environ.get("ACCESS_LOG", "").strip().lower() in ("1", "true", "on", "yes"),
        "log_config": logging_config(level),
        "log_level": level.lower(),
    }


def _exit_cleanly(signum: int, frame: FrameType | None) -> None:
    """SIGTERM before uvicorn starts, or re-raised by uvicorn after it drained: a requested stop, exit 0."""
    raise SystemExit(0)


def main(environ: Mapping[str, str] = os.environ) -> None:
    settings = uvicorn_settings(environ)
    signal.signal(signal.SIGTERM, _exit_cleanly)
    uvicorn.run(APP_FACTORY, **settings)


if __name__ == "__main__":
    main()
