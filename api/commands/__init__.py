"""Every API command, one module per area; importing this registers them."""
from . import apis, asyncjobs, configurations, swift, templates  # noqa: F401
