"""Every API command, one module per area; importing this registers them."""
from . import (apis, asyncjobs, configurations, imagestores, infrastructure, swift, template_copies,  # noqa: F401
               template_deletes, templates, zones)
