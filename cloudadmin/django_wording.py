"""Django's own texts that the Japanese style words differently (Django's
Japanese catalog puts a space before the counter). Marked here so that
`make messages` keeps them in our catalog, which wins over Django's
(LOCALE_PATHS has the highest precedence). Nothing imports this module."""
from django.utils.translation import ngettext_lazy

PASSWORD_MINIMUM_LENGTH = (
    ngettext_lazy("Your password must contain at least %(min_length)d character.",
                  "Your password must contain at least %(min_length)d characters.", "min_length"),
    ngettext_lazy("This password is too short. It must contain at least %(min_length)d character.",
                  "This password is too short. It must contain at least %(min_length)d characters.",
                  "min_length"),
)
