"""What recording a match accepts (syntax only; the domain checks that the entry matches)."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema

from domain.registry_fields import RegistryKind
from web.commands.fields import Choice, LongText, Text
from web.commands.schemas import occurred_on
from web.i18n import _l


class RecordMatchSchema(Schema):
    """A match of the case with one registry entry; ``load()`` gives ``record_match``'s
    keyword arguments (the form's CSRF token is dropped, the API is strict)."""

    class Meta:
        unknown = EXCLUDE
        ordered = True

    occurred_on = occurred_on()
    kind = Choice(_l("Registry"), RegistryKind, required=True)
    key = Text(_l("Registry entry"), max_len=64, required=True)
    outcome = LongText(_l("Outcome"), max_len=2000, required=True)
