"""Every API command, one module per area; importing this registers them."""
from . import (apis, asyncjobs, configurations, deletes, imagestores, infrastructure, swift,  # noqa: F401
               registrations, template_copies, template_deletes, template_edits, templates, uploads, zones)
