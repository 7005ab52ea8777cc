"""Every API command, one module per area; importing this registers them."""
from . import apis, asyncjobs, configurations, imagestores, swift, templates, zones  # noqa: F401
