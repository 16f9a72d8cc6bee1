"""One schema per registry: what its form (and its API body) accepts, syntax only.

``load()`` returns the keyword arguments of ``Cases.register_entry`` (or, with
``reason``, of ``change_entry``); the domain checks meaning: division codes,
USCCs, dates in order, a class's provider.
"""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema

from domain.registries import SETTABLE, EntryStatus
from domain.registry_fields import FinancingKind, IncubatorKind, PolicyTopic, RegistryKind
from domain.values import BorrowerKind, Course, Guarantor, LoanGroup, MentorLevel, Need
from web.commands.fields import (
    Choice,
    Choices,
    Count,
    Day,
    Lines,
    LongText,
    Text,
    Yuan,
)
from web.i18n import _l
from web.pickers import District, Pick

#: The registries by the name their pages use in addresses.
SLUGS = {"mentors": RegistryKind.MENTOR, "providers": RegistryKind.PROVIDER,
         "classes": RegistryKind.TRAINING_CLASS, "incubators": RegistryKind.INCUBATOR,
         "financing": RegistryKind.FINANCING, "policies": RegistryKind.POLICY}
SLUG_OF = {kind: slug for slug, kind in SLUGS.items()}


def note() -> LongText:
    return LongText(_l("Note"), max_len=500)


class EntrySchema(Schema):
    """Every entry form: unknown inputs (the CSRF token) are dropped."""

    class Meta:
        unknown = EXCLUDE
        ordered = True


class MentorSchema(EntrySchema):
    name = Text(_l("Name"), max_len=50, required=True)
    level = Choice(_l("Level"), MentorLevel, required=True)
    district = District()
    specialties = Choices(_l("Specialties"), Need, required=True)
    industries = Lines(_l("Industries"), max_len=40, hint=_l("One per line, such as e-commerce."))
    organisation = Text(_l("Organisation"), max_len=100)
    capacity = Count(_l("Mentees at once (the N of 1+N)"), maximum=50, required=True)
    note = note()


class ProviderSchema(EntrySchema):
    uscc = Text(_l("Unified social credit code"), max_len=18, required=True)
    name = Text(_l("Registered name"), max_len=100, required=True)
    district = District()
    courses = Choices(_l("Courses offered"), Course, required=True)
    filing_no = Text(_l("Filing number"), max_len=40)
    address = Text(_l("Address"), max_len=200)
    note = note()


class TrainingClassSchema(EntrySchema):
    approval_no = Text(_l("Class approval number"), max_len=40, required=True)
    course = Choice(_l("Course"), Course, required=True)
    provider_uscc = Pick(_l("Training provider"), RegistryKind.PROVIDER, required=True)
    district = District()
    start_on = Day(_l("Starts on"), required=True)
    end_on = Day(_l("Ends on"), required=True)
    planned_hours = Count(_l("Planned hours"), maximum=2000, required=True)
    seats = Count(_l("Seats"), maximum=1000)
    venue = Text(_l("Venue"), max_len=200)
    note = note()


class IncubatorSchema(EntrySchema):
    name = Text(_l("Registered name"), max_len=100, required=True)
    incubator_kind = Choice(_l("Kind"), IncubatorKind, required=True)
    level = Choice(_l("Level"), MentorLevel, required=True)
    district = District()
    address = Text(_l("Address"), max_len=200, required=True)
    capacity = Count(_l("Places for businesses"), maximum=100_000, required=True)
    services = Choices(_l("Services"), Need)
    note = note()


class FinancingSchema(EntrySchema):
    name = Text(_l("Product name"), max_len=100, required=True)
    financing_kind = Choice(_l("Kind"), FinancingKind, required=True)
    bank = Text(_l("Bank"), max_len=100, required=True)
    guarantor = Choice(_l("Guarantor"), Guarantor,
                       hint=_l("Required for a guaranteed start-up loan."))
    max_amount = Yuan(_l("Largest amount"), hint=_l("In yuan, such as 300000."))
    max_term_months = Count(_l("Longest term (months)"), maximum=360)
    borrower_kinds = Choices(_l("Borrowers"), BorrowerKind)
    loan_groups = Choices(_l("Eligible groups"), LoanGroup)
    district = District()
    effective_from = Day(_l("In force from"), required=True)
    effective_to = Day(_l("In force until"))
    note = note()


class PolicySchema(EntrySchema):
    title = Text(_l("Title"), max_len=200, required=True)
    document_no = Text(_l("Document number"), max_len=60)
    issuer = Text(_l("Issued by"), max_len=100, required=True)
    topics = Choices(_l("Policy areas"), PolicyTopic, required=True)
    district = District()
    effective_from = Day(_l("In force from"), required=True)
    effective_to = Day(_l("In force until"))
    summary = LongText(_l("What the policy provides"), max_len=2000, required=True)
    rule_set = Text(_l("Rule set version"), max_len=12, widget="ruleset",
                    hint=_l("The rule set that holds this policy's numbers, if it has any."))
    rule_paths = Lines(_l("Rule numbers"), max_len=80,
                       hint=_l("One per line, such as loan.individual_cap_fen."))


SCHEMAS: dict[str, type[EntrySchema]] = {
    RegistryKind.MENTOR: MentorSchema, RegistryKind.PROVIDER: ProviderSchema,
    RegistryKind.TRAINING_CLASS: TrainingClassSchema, RegistryKind.INCUBATOR: IncubatorSchema,
    RegistryKind.FINANCING: FinancingSchema, RegistryKind.POLICY: PolicySchema,
}


class ChangeReasonSchema(EntrySchema):
    reason = LongText(_l("Reason for the change"), max_len=500)


class StatusSchema(EntrySchema):
    status = Choice(_l("New status"), [s.value for s in SETTABLE], required=True)
    reason = LongText(_l("Reason"), max_len=500, required=True)
    occurred_on = Day(_l("Effective date"), hint=_l("Today when left empty."))


class FilingSchema(EntrySchema):
    reason = LongText(_l("Reason"), max_len=500, required=True,
                      hint=_l("Recorded with the filing's history, such as falsified "
                              "training records."))
    occurred_on = Day(_l("Effective date"), hint=_l("Today when left empty."))


class SearchSchema(EntrySchema):
    """The list's filters (query string)."""

    q = Text(_l("Name, code or text"), max_len=100)
    district = Text(_l("District"), max_len=6)
    status = Choice(_l("Status"), EntryStatus)
    tag = Text(_l("Specialty, course or service"), max_len=40)
    page = Count(_l("Page"), maximum=100_000)
