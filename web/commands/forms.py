"""What a command form shows: its fields, their values and errors, the case's records to pick."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import MultiDict

from application.queries import CaseState
from domain.corrections import CORRECTABLE
from domain.recording import Role
from domain.values import today
from web.commands.fields import Choice, Choices, FormField, Ref
from web.commands.registry import EVENT_TITLES, Command
from web.i18n import _, _l
from web.messages import label
from web.templating import local_date, money

MULTI = ("checkboxes",)
#: The names of the fields a correction may change.
FIELD_LABELS = {
    "occurred_on": _l("Date it happened"), "name": _l("Name"), "id_number": _l("ID number"),
    "mobile": _l("Mobile number"), "hukou_division": _l("Household registration"),
    "residence_division": _l("Residence"), "returnee_type": _l("Kind of returnee"),
    "returned_on": _l("Returned home on"), "birth_date": _l("Birth date"), "sex": _l("Sex"),
    "is_disabled": _l("Disabled"), "intended_industry": _l("Intended industry"),
    "class_approval_no": _l("Class approval number"), "start_on": _l("Course starts on"),
    "planned_hours": _l("Planned hours"), "hours_attended": _l("Hours attended"),
    "business_plan_grade": _l("Business plan grade"), "uscc": _l("Unified social credit code"),
    "industry_code": _l("Industry code"), "summary": _l("Summary"), "provider": _l("Provider"),
    "outcome": _l("Outcome"),
}
#: Other fields of a case state, as the conflict page names them.
STATE_LABELS = {
    "stage": _l("Stage of the business"), "needs": _l("Needs"),
    "last_contact_on": _l("Last contact"), "caseworker_id": _l("Caseworker"),
    "owning_district": _l("District"), "is_open": _l("Case open"),
    "closed_reason": _l("Reason"), "loan_groups": _l("Borrower group"),
}


@dataclass
class FieldView:
    """One field as the template draws it."""

    name: str
    widget: str
    label: Any
    hint: Any
    required: bool
    value: Any
    errors: list[Any] = field(default_factory=list)
    options: list[tuple[str, str]] = field(default_factory=list)

    @property
    def display(self) -> str:
        """The value as the user chose it (labels for choices), for the conflict page."""
        shown = dict(self.options)
        if self.widget in MULTI:
            return ", ".join(shown.get(v, v) for v in self.value)
        if self.widget == "checkbox":
            return _("Yes") if self.value else ""
        return shown.get(str(self.value), str(self.value))


def submitted(command: Command, form: MultiDict[str, str]) -> dict[str, Any]:
    """The form's inputs for the command's fields (lists for multi-selects), as typed."""
    values: dict[str, Any] = {}
    for name, spec in command.fields.items():
        if spec.metadata.get("widget") in MULTI:
            values[name] = [v for v in form.getlist(name) if v]
        elif name in form:
            values[name] = form.get(name, "")
    return values


def prefilled(command: Command, args: MultiDict[str, str]) -> dict[str, Any]:
    """A fresh form's values: today's date and defaults, then anything the link prefills."""
    values: dict[str, Any] = {"occurred_on": today().isoformat()}
    for name, spec in command.fields.items():
        initial = spec.metadata.get("initial")
        if initial is not None:
            values[name] = "y" if initial is True else initial
    given = {k: v for k, v in submitted(command, args).items() if v or k in args}
    return values | given


def field_views(command: Command, state: CaseState, values: Mapping[str, Any],
                errors: Mapping[str, Any], pick: Mapping[str, list[tuple[str, str]]],
                ) -> list[FieldView]:
    """Every field of the command's form, in order, with its value and errors."""
    views = []
    for name, spec in command.fields.items():
        assert isinstance(spec, FormField)
        widget = spec.metadata["widget"]
        value = values.get(name, [] if widget in MULTI else "")
        if widget == "checkbox":
            value = str(value).lower() in ("y", "yes", "on", "true", "1")
        found = errors.get(name, [])
        views.append(FieldView(name, widget, spec.metadata["label"], spec.metadata["hint"],
                               spec.required, value, list(found) if isinstance(found, list)
                               else [found], options(spec, pick)))
    return views


def options(spec: FormField, pick: Mapping[str, list[tuple[str, str]]]) -> list[tuple[str, str]]:
    if isinstance(spec, Ref):
        return pick.get(spec.kind, [])
    if isinstance(spec, Choice | Choices):
        return [(value, _field_label(value) if spec.name == "field" else label(value))
                for value in spec.options]
    return []


def pickers(command: Command, state: CaseState, events: list[Any] | None = None,
            caseworkers: list[tuple[str, str]] | None = None) -> dict[str, list[tuple[str, str]]]:
    """The case's records each reference field may name."""
    kinds = {spec.kind: spec for spec in command.fields.values() if isinstance(spec, Ref)}
    found: dict[str, list[tuple[str, str]]] = {}
    if "training" in kinds:
        found["training"] = [(t.ref, f"{label(t.course)} · {local_date(t.start_on)}")
                             for t in state.trainings if t.is_open]
    if "pairing" in kinds:
        found["pairing"] = [(p.ref, f"{p.mentor_id} · {label(p.mentor_level)} · "
                             f"{local_date(p.assigned_on)}") for p in state.pairings
                            if p.is_active]
    if "business" in kinds:
        found["business"] = [(b.ref, f"{b.name} · {b.uscc}") for b in state.businesses
                             if b.is_operating]
    if "loan" in kinds:
        wanted = kinds["loan"].statuses
        found["loan"] = [(loan.ref, f"{money(loan.principal or loan.amount)} · "
                          f"{label(loan.status)} · {local_date(loan.applied_on)}"
                          + (f" · {loan.contract_no}" if loan.contract_no else ""))
                         for loan in state.loans if not wanted or loan.status in wanted]
    if "subsidy" in kinds:
        wanted = kinds["subsidy"].statuses
        found["subsidy"] = [(s.ref, f"{label(s.kind)} · {money(s.amount)} · {label(s.status)}")
                            for s in state.subsidies if not wanted or s.status in wanted]
    if "correction" in kinds:
        found["correction"] = [(c.ref, correction_text(c)) for c in state.corrections
                               if c.status == "PENDING"]
    if "subject" in kinds:
        found["subject"] = subjects(state)
    if "event" in kinds:
        found["event"] = [(str(e.originator_version), f"{e.originator_version} · "
                           f"{EVENT_TITLES.get(type(e).__name__, type(e).__name__)} · "
                           f"{local_date(e.occurred_on)}")
                          for e in events or () if type(e).__name__ in CORRECTABLE]
    if "caseworker" in kinds:
        found["caseworker"] = caseworkers or []
    return found


def subjects(state: CaseState) -> list[tuple[str, str]]:
    """What a subsidy may be for: operating businesses, granted loans, passed trainings."""
    return ([(b.ref, f"{_('Business')}: {b.name}") for b in state.businesses if b.is_operating]
            + [(loan.ref, f"{_('Loan')}: {loan.contract_no} · {money(loan.principal)}")
               for loan in state.loans if loan.disbursed_on is not None]
            + [(t.ref, f"{_('Training')}: {label(t.course)} · {local_date(t.start_on)}")
               for t in state.trainings if t.result == "PASSED"])


def correction_text(correction: Any) -> str:
    event = EVENT_TITLES.get(correction.event_name, correction.event_name)
    return (f"{event} · {_field_label(correction.field)}: {correction.old_value or '—'} → "
            f"{correction.new_value} ({correction.requested_by})")


def caseworkers_of(accounts: list[Any], district: str) -> list[tuple[str, str]]:
    """The active caseworkers of a district, for a reassignment or an accepted transfer."""
    return [(a.username, f"{a.display_name or a.username} ({a.username})") for a in accounts
            if a.active and a.role is Role.CASEWORKER and a.district == district]


def field_name(path: str) -> str:
    """A state field's name as people read it (records' inner fields stay as they are)."""
    found = STATE_LABELS.get(path)
    return str(found) if found is not None else _field_label(path)


def _field_label(name: str) -> str:
    found = FIELD_LABELS.get(name)
    return str(found) if found is not None else name
