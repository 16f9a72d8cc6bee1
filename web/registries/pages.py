"""What the registry pages show: form fields with their options, entries' values as people
read them, and the entries a case form may pick."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from markupsafe import Markup, escape

from application.projections.registries import EntryQuery, EntryRow
from domain.accounts import Account
from domain.divisions import divisions
from domain.recording import Role
from domain.registries import EntryStatus
from domain.registry_fields import SPECS, RegistryKind
from web.commands.fields import Choice, Choices, Count, Day, FormField, Yuan
from web.commands.forms import MULTI, FieldView
from web.i18n import _
from web.messages import label
from web.pickers import District, Pick
from web.registries.schemas import SCHEMAS, SLUG_OF, EntrySchema
from web.templating import division_name, local_date, money

#: Fields whose codes are labelled (enum values) when shown.
_CODED = (Choice, Choices)


def services() -> Any:
    from web import current_services

    return current_services()


def may_edit(who: Account, district: str) -> bool:
    """Supervisors add and change the entries of their district (a city's: its counties)."""
    return who.active and who.role is Role.SUPERVISOR and who.covers(district)


def district_options(who: Account) -> list[tuple[str, str]]:
    """The districts an account may register entries in: its own and those under it."""
    codes = [who.district] + [d.code for d in divisions().counties_of(who.district)]
    return [(code, division_name(code)) for code in codes]


def rule_set_options() -> list[tuple[str, str]]:
    return [(r.ref, f"{r.ref} · {r.effective_from.isoformat()}")
            for r in services().cases.rules]


def pick_options(registry: str, serving: str | None,
                 current: str | None = None) -> list[tuple[str, str]]:
    """The active entries serving a district (its own, its city's and province's)."""
    view = services().views["registries"]
    rows = list(view.search(EntryQuery(kind=registry, serving=serving,
                                       status=EntryStatus.ACTIVE, per_page=500)))
    if registry == RegistryKind.TRAINING_CLASS:
        rows.sort(key=lambda r: r.values.get("start_on", ""), reverse=True)
    load = {}
    if registry == RegistryKind.MENTOR:
        for pairing, _link in view.pairings([r.key for r in rows]):
            load[pairing.mentor_id] = load.get(pairing.mentor_id, 0) + 1
    options = [(row.key, option_text(row, load)) for row in rows]
    if current and current not in {key for key, _ in options}:
        options.insert(0, (current, current))
    return options


def option_text(row: EntryRow, load: Mapping[str, int]) -> str:
    values = row.values
    if row.kind == RegistryKind.MENTOR:
        return (f"{row.title} · {label(values['level'])} · "
                + _("%(n)d of %(capacity)d mentees", n=load.get(row.key, 0),
                    capacity=values["capacity"]) + f" · {row.key}")
    if row.kind == RegistryKind.PROVIDER:
        return f"{row.title} · {row.key}"
    if row.kind == RegistryKind.TRAINING_CLASS:
        return (f"{row.key} · {label(values['course'])} · "
                f"{local_date(date.fromisoformat(values['start_on']))}")
    return f"{row.title} · {label(values.get('incubator_kind'))} · {values.get('address', '')}"


def form_fields(schema: type[EntrySchema], who: Account, values: Mapping[str, Any],
                errors: Mapping[str, Any], *, exclude: tuple[str, ...] = (),
                serving: str | None = None) -> list[FieldView]:
    """The fields of a registry form with their values, errors and options."""
    views = []
    for name, spec in schema().fields.items():
        if name in exclude:
            continue
        assert isinstance(spec, FormField)
        widget = spec.metadata["widget"]
        value = values.get(name, [] if widget in MULTI else "")
        found = errors.get(name, [])
        views.append(FieldView(name, widget, spec.metadata["label"], spec.metadata["hint"],
                               spec.required, value,
                               list(found) if isinstance(found, list) else [found],
                               _options(spec, who, value, serving)))
    return views


def _options(spec: FormField, who: Account, value: Any,
             serving: str | None) -> list[tuple[str, str]]:
    if isinstance(spec, Pick):
        return pick_options(spec.registry, serving, value or None)
    if isinstance(spec, District):
        return district_options(who)
    if isinstance(spec, _CODED):
        return [(v, label(v)) for v in spec.options]
    if spec.metadata["widget"] == "ruleset":
        return rule_set_options()
    return []


def form_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """An entry's stored values as its form shows them (yuan for fen, lines for lists)."""
    shown: dict[str, Any] = {}
    for name, value in values.items():
        if name == "max_amount" and value is not None:
            shown[name] = f"{value / 100:.2f}"
        elif name in ("industries", "rule_paths"):
            shown[name] = "\n".join(value or [])
        else:
            shown[name] = "" if value is None else value
    return shown


def cleared(schema: type[EntrySchema], loaded: dict[str, Any],
            exclude: tuple[str, ...]) -> dict[str, Any]:
    """An edit form's values, with the optional fields left empty cleared."""
    return {**{name: None for name in schema().fields
               if name not in exclude and name not in loaded}, **loaded}


def shown_values(kind: str, values: Mapping[str, Any]) -> list[tuple[str, Markup]]:
    """Each field of an entry, labelled as its form labels it, valued as people read it."""
    fields = SCHEMAS[kind]().fields
    rows = []
    for name in SPECS[kind]:
        spec, value = fields.get(name), values.get(name)
        if spec is None or value in (None, "", []):
            continue
        rows.append((str(spec.metadata["label"]), _shown(spec, name, value)))
    return rows


def _shown(spec: Any, name: str, value: Any) -> Markup:
    if isinstance(spec, _CODED):
        items = value if isinstance(value, list) else [value]
        return escape("、".join(label(v) for v in items))
    if isinstance(spec, Yuan):
        return escape(money(value))
    if isinstance(spec, Day):
        return escape(local_date(date.fromisoformat(value)))
    if isinstance(spec, District):
        return escape(division_name(value))
    if isinstance(spec, Pick):
        from flask import url_for

        entry = services().views["registries"].entries(spec.registry, [value]).get(value)
        if entry is None:
            return escape(value)
        link = url_for("registries.show", slug=SLUG_OF[spec.registry],
                       entry_id=entry.entry_id)
        return Markup('<a href="{}">{}</a> <small>{}</small>').format(link, entry.title, value)
    if isinstance(value, list):
        return escape("、".join(str(v) for v in value))
    if isinstance(spec, Count):
        return escape(str(value))
    return escape(value)


def registry_pickers(fields: Mapping[str, Any], district: str) -> dict[str, list[Any]]:
    """The entries each registry field of a case form may name (used by the command forms)."""
    return {spec.kind: pick_options(spec.registry, district)
            for spec in fields.values() if isinstance(spec, Pick)}


def entry_link(kind: str, key: str | None) -> Markup:
    """A key a case recorded, as a link to its entry (the key alone when it names none)."""
    if not key:
        return Markup("")
    from flask import url_for

    entry = services().views["registries"].entries(kind, [key]).get(key)
    if entry is None:
        return escape(key)
    return Markup('<a href="{}">{}</a>').format(
        url_for("registries.show", slug=SLUG_OF[RegistryKind(kind)], entry_id=entry.entry_id),
        entry.title)
