"""`manage.py messages` (`make messages`): bring the translation catalogs up
to date with the source. Runs makemessages with the project's options, so
that the catalog test (tests/unit/test_catalog.py) and people run the same
extraction: no source locations (smaller diffs), no obsolete entries, and
the msgids of stored messages (`cloudadmin.messages.coded`, `coded_plural`)."""
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.core.management.commands import makemessages

# Not application source: no user-visible strings there.
IGNORE = ["tests/*", "bench/*", "scripts/*", "var/*", "staticfiles/*", "locale/*", "static/*"]
# xgettext keywords for the texts workers store coded (cloudadmin/messages.py).
CODED_KEYWORDS = ["--keyword=coded", "--keyword=coded_plural:1,2"]


class MakeMessages(makemessages.Command):
    xgettext_options = makemessages.Command.xgettext_options + CODED_KEYWORDS


def catalog_languages():
    return [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


class Command(BaseCommand):
    help = "Update locale/<lang>/LC_MESSAGES/django.po for every translated language from the source."

    def handle(self, *args, **options):
        call_command(MakeMessages(), locale=catalog_languages(), no_location=True, no_obsolete=True,
                     ignore_patterns=IGNORE, verbosity=options["verbosity"])
