"""The gateway: an OpenAI-compatible proxy that checks, labels and records every exchange.

``create_app(config)`` builds the ASGI app that ``hegui serve`` runs; ``AuditLog``,
``ComplaintDesk`` and the label functions are what the CLI and other parts use.
"""

from hegui.gateway._app import create_app
from hegui.gateway._audit import AuditEntry, AuditLog, ChainProblem
from hegui.gateway._complaints import Complaint, ComplaintDesk
from hegui.gateway._config import AppConfig, GatewayConfig, hash_api_key, load_config
from hegui.gateway._labels import implicit_label, verify_label
from hegui.gateway._store import open_database

__all__ = [
    "AppConfig",
    "AuditEntry",
    "AuditLog",
    "ChainProblem",
    "Complaint",
    "ComplaintDesk",
    "GatewayConfig",
    "create_app",
    "hash_api_key",
    "implicit_label",
    "load_config",
    "open_database",
    "verify_label",
]
