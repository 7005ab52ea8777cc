import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cloudadmin.settings")
application = get_wsgi_application()

# The management server starts here (runserver and gunicorn both load this
# module): pending restart-required settings take effect now.
from cloudadmin.startup import on_web_process_start  # noqa: E402

on_web_process_start()
