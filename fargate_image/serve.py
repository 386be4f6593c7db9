"""Entry point of the Fargate image: ``python -m fargate_image.serve`` runs uvicorn with production settings.

uvicorn with httptools and uvloop, the app factory called once per worker process, no Server header, no
proxy headers (the ALB is the only client), JSON logs on stdout and access logs off unless asked for.
Settings come from the environment (``inference.settings``); a bad value stops the process with a message
naming the variable.
On SIGTERM uvicorn stops accepting connections, finishes in-flight requests, and the process exits 0.
"""

from __future__ import annotations

import shutil
import signal
from collections.abc import Mapping
from pathlib import Path
from types import FrameType
from typing import Any

import uvicorn

from inference.settings import Settings, SettingsError

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


def uvicorn_settings(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.run``, from the environment (``inference.settings``)."""
    try:
        settings = Settings.from_environ(environ)
    except SettingsError as error:
        raise SystemExit(str(error)) from None
    return {
        "factory": True,
        "host": settings.host,
        "port": settings.port,
        "workers": settings.web_concurrency,
        "loop": "uvloop",
        "http": "fargate_image.protocol:BoundedHttpToolsProtocol",  # httptools + head limits, lingering close
        "lifespan": "off",
        "timeout_keep_alive": settings.keep_alive_seconds,
        "timeout_graceful_shutdown": settings.graceful_shutdown_seconds,
        "server_header": False,
        "proxy_headers": False,
        "access_log": settings.access_log,
        "log_config": logging_config(settings.log_level),
        "log_level": settings.log_level.lower(),
    }


def _exit_cleanly(signum: int, frame: FrameType | None) -> None:
    """SIGTERM before uvicorn starts, or re-raised by uvicorn after it drained: a requested stop, exit 0."""
    raise SystemExit(0)


def prepare_multiprocess_dir(directory: str | None) -> None:
    """An empty ``PROMETHEUS_MULTIPROC_DIR`` before any worker starts: counts left by an earlier run would be
    added to this one's."""
    if directory is None:
        return
    path = Path(directory)
    if path.is_dir():
        shutil.rmtree(path)
    path.mkdir(parents=True)


def main() -> None:
    settings = uvicorn_settings()
    prepare_multiprocess_dir(Settings.from_environ().prometheus_multiproc_dir)
    signal.signal(signal.SIGTERM, _exit_cleanly)
    uvicorn.run(APP_FACTORY, **settings)


if __name__ == "__main__":
    main()
