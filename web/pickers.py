"""Form fields that pick a registry entry or a district from what the account may choose."""

from __future__ import annotations

from typing import Any

from web.commands.fields import Ref, Text
from web.i18n import _l


class Pick(Ref):
    """An entry of a registry (its key), offered as a ``<select>`` of the entries one may
    choose; the application refuses a key that names no entry, or an inactive one."""

    widget = "pick"

    def __init__(self, label: Any, registry: str, **kwargs: Any) -> None:
        super().__init__(label, f"registry:{registry}", **kwargs)
        self.registry = registry


class District(Text):
    """A division code, offered as a ``<select>`` of the districts the account covers."""

    widget = "district"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(_l("District"), max_len=6, required=True,
                         hint=_l("Where the entry is registered; it serves that area."),
                         **kwargs)
