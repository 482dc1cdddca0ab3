"""Structured JSON logs for every service, with the case's correlation id in each line.

The correlation id is bound in contextvars at each entrypoint; eventlet green threads
are greenlets, and each greenlet has its own context, so concurrent workers don't mix.
Library logs (nameko, kombu, pymongo) go through the same JSON renderer.
"""
import logging
import sys

import structlog

_configured = False


def configure_logging(service: str, level: str = "INFO") -> None:
    global _configured
    if _configured:
        return
    _configured = True
    shared_processors = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True, key="ts"),
    ]
    structlog.configure(
        processors=shared_processors + [structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared_processors,
        processors=[
            _add_service(service),
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(ensure_ascii=False),
        ],
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # nameko.web.server is eventlet's access log, without correlation ids: api_endpoint logs each request instead.
    for noisy in ("pymongo", "kombu", "amqp", "urllib3", "nameko.web.server"):
        logging.getLogger(noisy).setLevel("WARNING")


def _add_service(service):
    def processor(logger, method_name, event_dict):
        event_dict.setdefault("service", service)
        return event_dict

    return processor


def bind_correlation(correlation_id: str, **more) -> None:
    """Start a fresh log context for one unit of work (a request or a message)."""
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(correlation_id=correlation_id, **more)


def bind(**values) -> None:
    structlog.contextvars.bind_contextvars(**values)
