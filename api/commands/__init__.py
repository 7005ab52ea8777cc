"""Every API command, one module per area; importing this registers them."""
from . import asyncjobs, configurations, swift, templates  # noqa: F401
