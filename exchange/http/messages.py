"""Messages that marshmallow and webargs write in English, listed here so they get translated."""

from exchange.kernel.i18n import N_

LIBRARY_MESSAGES = (
    N_("Missing data for required field."),
    N_("Unknown field."),
    N_("Not a valid string."),
    N_("Not a valid integer."),
    N_("Not a valid number."),
    N_("Not a valid boolean."),
    N_("Not a valid list."),
    N_("Not a valid email address."),
    N_("Field may not be null."),
    N_("Invalid input type."),
    N_("Invalid value."),
    N_("Invalid JSON body."),
    N_("String does not match expected pattern."),
)
