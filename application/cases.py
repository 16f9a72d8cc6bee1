"""The ``Cases`` application: one method per command, and per-case queries.

Every command takes the ``expected_version`` the caller loaded.  A case that
moved on meanwhile raises :class:`ConcurrentEditError` (nothing is saved);
values that must be unique across cases are claimed in the same ``save()``.
A save that the store committed but could not acknowledge (the connection
dropped), and that the recorder's retry then met as a conflict, is recognised
by its events' chain hashes and answered as saved.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Notification, Recording
from eventsourcing.utils import get_topic

from application.activities import ActivityCommands
from application.errors import CaseNotFoundError, ConcurrentEditError
from application.identity import identity_value, keyed_hasher
from application.integrity import ChainBreak, ChainedRecord, verify_stream
from application.mentor_places import MentorPlaceCommands, active_pairings
from application.money import MoneyCommands
from application.projections.case_list import name_birth_value, phone_value
from application.queries import CaseState, case_state
from application.registries import RegistryCommands
from application.rulesets import load_rule_book
from application.staging import Staging, current_staging, staging
from application.targets import TargetCommands
from application.transcodings import DateAsISO
from domain.access_log import CaseLookup
from domain.case import Case
from domain.errors import DuplicateError
from domain.mentor_places import MentorPlaces
from domain.reveals import Disclosure
from domain.rules import RuleBook
from domain.uniqueness import UniqueKey
from domain.values import case_id_for, new_case_no, today
from domain.values import case_no as check_case_no

#: How often a command is re-run when a unique value moved under it.
ATTEMPTS = 3
#: How far back from the log's head a save found already stored is looked for.
LOOK_BACK = 50_000
Change = Callable[[Case, list[UniqueKey]], str | None]


@dataclass(frozen=True)
class Saved:
    """What a command saved: the case's new version and the log position."""

    case_id: UUID
    case_no: str
    version: int
    notification_id: int | None
    ref: str | None = None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class DuplicateKeys:
    """The keyed hashes by which an enrolment is compared with the cases already open."""

    mobile_hash: str | None
    name_birth_hash: str
    id_hash: str


#: Looks at an enrolment's keys before it is saved (see ``Cases.enrol_case``).
Screen = Callable[[DuplicateKeys], str | None]


class Cases(ActivityCommands, RegistryCommands, MentorPlaceCommands, MoneyCommands,
            TargetCommands, Application):
    """Records what happens in returnees' cases."""

    name = "cases"

    def __init__(
        self,
        env: dict[str, str] | None = None,
        *,
        identity_hasher: Callable[[str], str] | None = None,
        rules: RuleBook | None = None,
    ) -> None:
        super().__init__(env)
        self.rules = rules or load_rule_book()
        # A projection runner builds Cases from its environment alone: the key is there.
        key = self.env.get("IDENTITY_KEY")
        if identity_hasher is None and not key:
            raise ValueError("Cases needs an identity hasher or IDENTITY_KEY in its env")
        self.identity_hasher = identity_hasher or keyed_hasher(key or "")

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording]:  # type: ignore[override]
        """Save aggregates' pending events; Homeward's own aggregates take a short way.

        The library's ``save`` asks of each object, through runtime ``Protocol``
        checks, whether it is an event or an aggregate; those checks cost more than
        the rest of collecting.  Homeward's aggregates are known to be aggregates,
        so their events are collected directly; anything else goes the library's way.
        A conflict with exactly these events, already stored, is this save itself,
        committed before its acknowledgement was lost (:meth:`_recorded_already`).
        """
        processing_event: ProcessingEvent[UUID] = ProcessingEvent()
        if kwargs or not all(type(obj) in _OWN_AGGREGATES for obj in objs):
            processing_event.collect_events(*objs, **kwargs)
        else:
            for obj in objs:
                processing_event.events.extend(obj.collect_events())
                processing_event.aggregates[obj.id] = obj
        try:
            recordings = self._record(processing_event)
        except IntegrityError:
            found = self._recorded_already(processing_event.events)
            if found is None:
                raise
            recordings = found
        self._take_snapshots(processing_event)
        self._notify(recordings)
        self.notify(processing_event.events)
        return recordings

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:  # type: ignore[override]
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    @contextmanager
    def staged(self, base: Mapping[UUID, Any] | None = None) -> Iterator[Staging]:
        """Run commands inside with all their checks but save nothing (``application.staging``)."""
        with staging(base) as held:
            yield held

    # ------------------------------------------------------------------ commands
    def enrol_case(self, *, case_no: str | None = None, screen: Screen | None = None,
                   **fields: Any) -> Saved:
        """Open a case; its ID number may be held by no other open case.

        ``screen``, when given, sees the keyed hashes of the checked enrolment
        before anything is saved: it may refuse by raising, or return a note that
        replaces the enrolment's (saying why a possible duplicate is enrolled).
        """
        if case_no in (None, ""):
            case_no = _fresh_case_no(fields)
        checked: Case | None = None
        if screen is not None:
            checked = Case.enrol(case_no=case_no, **fields)
            note = screen(self._keys(checked))
            if note is not None:
                fields, checked = {**fields, "note": note}, None
        for attempt in range(ATTEMPTS):
            case = checked if attempt == 0 and checked is not None else \
                Case.enrol(case_no=case_no, **fields)
            if attempt == 0:
                # Most people are new: claim their key without reading it first. If it
                # exists, the save fails and the next attempt reads and claims it.
                identity = UniqueKey.register("identity", self._identity(case), holder=case.id)
            else:
                identity = self._claim(case, "identity", self._identity(case), "id_number")
            try:
                recordings = self.save(case, identity)
            except IntegrityError:
                if self._exists(case.id):
                    raise DuplicateError(
                        "case_no", "duplicate", "is already used by another case"
                    ) from None
                continue
            return Saved(case.id, case.case_no, case.version,
                         _position(recordings, case.id), warnings=case.warnings)
        raise DuplicateError("id_number", "busy", "is being enrolled by someone else; retry")

    def assess_needs(self, case_id: UUID, expected_version: int, **fields: Any) -> Saved:
        """Record the needs assessment."""
        return self._update(case_id, expected_version, lambda c, _: c.assess_needs(**fields))

    def enrol_in_training(self, case_id: UUID, expected_version: int, **fields: Any) -> Saved:
        """Enrol the person in a course of a filed provider (a class fills in its details)."""
        fields = self.training_choice(fields)

        def change(case: Case, _: list[UniqueKey]) -> str:
            ref = case.enrol_in_training(rules=self.rules, **fields)
            self.check_provider(case.trainings[ref].provider_uscc)
            return ref

        return self._update(case_id, expected_version, change)

    def complete_training(self, case_id: UUID, expected_version: int, **fields: Any) -> Saved:
        """Record the end of a course; a certificate number is used once system-wide."""

        def change(case: Case, claims: list[UniqueKey]) -> None:
            case.complete_training(rules=self.rules, **fields)
            training = case.trainings[fields["enrolment_ref"]]
            if training.certificate_no:
                claims.append(self._claim(case, "certificate", training.certificate_no,
                                          "certificate_no"))
            rule_set = self.rules.get(training.rule_set)
            if (training.subsidised and training.result == "PASSED"
                    and rule_set.number("training.subsidised_once_per_course")):
                key = f"{self._identity(case)}:{training.course}"
                claims.append(self._claim(case, "subsidised-course", key, "course"))

        return self._update(case_id, expected_version, change)

    def assign_mentor(self, case_id: UUID, expected_version: int, **fields: Any) -> Saved:
        """Pair the person with an active mentor of the registry who has a place free."""
        fields = self.mentor_choice(fields)

        def change(case: Case, claims: list[Any]) -> str:
            ref = case.assign_mentor(rules=self.rules, **fields)
            claims.append(self.take_mentor_place(case, ref))
            return ref

        return self._update(case_id, expected_version, change)

    def hold_mentoring_session(self, case_id: UUID, expected_version: int,
                               **fields: Any) -> Saved:
        """Record a mentoring session."""
        return self._update(case_id, expected_version,
                            lambda c, _: c.hold_mentoring_session(**fields))

    def release_mentor(self, case_id: UUID, expected_version: int, **fields: Any) -> Saved:
        """End a mentor pairing; the mentor's place is free again."""

        def change(case: Case, claims: list[Any]) -> None:
            active = active_pairings(case)
            case.release_mentor(**fields)
            claims.extend(self.free_mentor_places(case, active))

        return self._update(case_id, expected_version, change)

    def register_business(self, case_id: UUID, expected_version: int, **fields: Any) -> Saved:
        """Record a business licence (an incubator named must be in the registry)."""

        def change(case: Case, _: list[UniqueKey]) -> str:
            ref = case.register_business(**fields)
            self.check_incubator(case.businesses[ref].incubator_id)
            return ref

        return self._update(case_id, expected_version, change)

    def report_jobs(self, case_id: UUID, expected_version: int, **fields: Any) -> Saved:
        """Record the jobs a business provides."""
        return self._update(case_id, expected_version, lambda c, _: c.report_jobs(**fields))

    def close_business(self, case_id: UUID, expected_version: int, **fields: Any) -> Saved:
        """Record that a business closed or was suspended."""
        return self._update(case_id, expected_version, lambda c, _: c.close_business(**fields))

    def record_follow_up(self, case_id: UUID, expected_version: int, **fields: Any) -> Saved:
        """Record a follow-up contact."""
        return self._update(case_id, expected_version,
                            lambda c, _: c.record_follow_up(**fields))

    def deliver_service(self, case_id: UUID, expected_version: int, **fields: Any) -> Saved:
        """Record a service delivered."""
        return self._update(case_id, expected_version, lambda c, _: c.deliver_service(**fields))

    def correct_record(self, case_id: UUID, expected_version: int, **fields: Any) -> Saved:
        """Correct a field of an earlier event (some corrections wait for approval)."""
        self.check_class_correction(fields)
        return self._update(case_id, expected_version, lambda c, _: c.correct_record(**fields))

    def approve_correction(self, case_id: UUID, expected_version: int, **fields: Any) -> Saved:
        """Approve a pending correction; a corrected ID number moves its claim."""

        def change(case: Case, claims: list[UniqueKey]) -> None:
            old_identity = self._identity(case)
            correction = case.approve_correction(**fields)
            if correction.field == "id_number" and case.is_open:
                claims.append(self._claim(case, "identity", self._identity(case), "new_value"))
                old = self._key("identity", old_identity)
                old.release(case.id)
                claims.append(old)

        return self._update(case_id, expected_version, change)

    def reject_correction(self, case_id: UUID, expected_version: int, **fields: Any) -> Saved:
        """Refuse a pending correction."""
        return self._update(case_id, expected_version,
                            lambda c, _: c.reject_correction(**fields))

    def request_transfer(self, case_id: UUID, expected_version: int, **fields: Any) -> Saved:
        """Ask another district to take the case."""
        return self._update(case_id, expected_version,
                            lambda c, _: c.request_transfer(**fields))

    def decline_transfer(self, case_id: UUID, expected_version: int, **fields: Any) -> Saved:
        """Decline a pending transfer."""
        return self._update(case_id, expected_version,
                            lambda c, _: c.decline_transfer(**fields))

    def accept_transfer(self, case_id: UUID, expected_version: int, **fields: Any) -> Saved:
        """Accept a pending transfer into the receiving district."""
        return self._update(case_id, expected_version, lambda c, _: c.accept_transfer(**fields))

    def reassign_case(self, case_id: UUID, expected_version: int, **fields: Any) -> Saved:
        """Give the case to another caseworker of its district."""
        return self._update(case_id, expected_version, lambda c, _: c.reassign(**fields))

    def close_case(self, case_id: UUID, expected_version: int, **fields: Any) -> Saved:
        """Close the case; its ID number and its mentors' places become free."""

        def change(case: Case, claims: list[Any]) -> None:
            active = active_pairings(case)
            case.close(**fields)
            claims.extend(self.free_mentor_places(case, active))
            identity = self._key("identity", self._identity(case))
            identity.release(case.id)
            claims.append(identity)

        return self._update(case_id, expected_version, change)

    def reopen_case(self, case_id: UUID, expected_version: int, **fields: Any) -> Saved:
        """Reopen a closed case, unless another open case holds its ID number."""

        def change(case: Case, claims: list[UniqueKey]) -> None:
            case.reopen(**fields)
            claims.append(self._claim(case, "identity", self._identity(case), "id_number"))

        return self._update(case_id, expected_version, change)

    def reveal_personal_data(self, case_id: UUID, *, field: str, reason: str) -> str | None:
        """The clear value of an ID number or phone; the reveal is recorded first."""
        case = self._get(case_id)
        self.save(Disclosure.reveal(case.id, field, reason))
        return str(getattr(case, field)) if getattr(case, field) else None

    def record_view(self, case_id: UUID) -> int | None:
        """Log that the current actor opened the case; returns the log position."""
        if not self._exists(case_id):
            raise CaseNotFoundError(case_id)
        recordings = self.save(CaseLookup.view(case_id))
        return recordings[-1].notification.id if recordings else None

    # ------------------------------------------------------------------- queries
    def duplicate_keys(self, **fields: Any) -> DuplicateKeys:
        """The keyed hashes (phone, name + birth date, ID number) an enrolment would have.

        The fields are checked as ``enrol_case`` checks them (a bad one raises its
        error) and nothing is saved.
        """
        return self._keys(Case.enrol(
            **{**fields, "case_no": fields.get("case_no") or _fresh_case_no(fields)}))

    def get_case(self, case_id: UUID, *, version: int | None = None) -> CaseState:
        """The case as it stands (or stood at ``version``)."""
        return case_state(self._get(case_id, version))

    def find_case_id(self, number: str) -> UUID:
        """The id of the case with this number."""
        return self._numbered(number).id

    def get_case_numbered(self, number: str) -> CaseState:
        """The case with this number as it stands (one read of its stream)."""
        return case_state(self._numbered(number))

    def stored_records(self, stream_id: UUID) -> Iterator[ChainedRecord]:
        """A stream's stored events, decoded but not upcast, for verification."""
        for stored in self.recorder.select_events(stream_id):
            try:
                fields = self._decode(stored.state)
            except Exception as error:
                yield ChainedRecord(stored.originator_id, stored.originator_version,
                                    stored.topic, None, f"cannot be decoded: {error!r}")
            else:
                yield ChainedRecord(stored.originator_id, stored.originator_version,
                                    stored.topic, fields)

    def verify_case(self, case_id: UUID) -> ChainBreak | None:
        """The first break in a case's hash chain, or None when it is intact."""
        return verify_stream(self.stored_records(case_id))

    # ------------------------------------------------------------------ internals
    def _update(self, case_id: UUID, expected_version: int, change: Change) -> Saved:
        held = current_staging()
        if held is not None:
            return self._staged_update(held, case_id, expected_version, change)
        for _ in range(ATTEMPTS):
            case = self._load(case_id, expected_version)
            claims: list[UniqueKey] = []
            ref = change(case, claims)
            try:
                recordings = self.save(case, *claims)
            except IntegrityError:
                actual = self._get(case_id).version
                if actual != expected_version:
                    raise ConcurrentEditError(case_id, expected_version, actual) from None
                continue  # a unique value moved under us: re-run the checks against it
            return Saved(case.id, case.case_no, case.version,
                         _position(recordings, case_id), ref if isinstance(ref, str) else None)
        raise ConcurrentEditError(case_id, expected_version, self._get(case_id).version)

    def _staged_update(self, held: Staging, case_id: UUID, expected_version: int,
                       change: Change) -> Saved:
        """The command checked and its events kept, saved (or dropped) by the staging's owner."""
        case = self._load(case_id, expected_version)
        claims: list[UniqueKey] = []
        ref = change(case, claims)
        held.keep(case, *claims)
        return Saved(case.id, case.case_no, case.version, None,
                     ref if isinstance(ref, str) else None)

    def _recorded_already(self, events: list[Any]) -> list[Recording] | None:
        """The recordings of ``events`` if the store holds exactly them, else None.

        When the connection drops after PostgreSQL committed a save but before it
        said so, the recorder tries the save again and meets its own events as a
        conflict.  Each stored event's chain hash covers its topic, version,
        fields, recorded time, actor and request and the previous event's hash,
        so the same hash at every version written is this very save, stored
        once; a different write at those versions is a real conflict.
        """
        stored = []
        for event in events:
            found = self.recorder.select_events(event.originator_id,
                                                gt=event.originator_version - 1,
                                                lte=event.originator_version)
            chain = getattr(event, "chain", None)
            if (len(found) != 1 or chain is None or found[0].topic != get_topic(type(event))
                    or self._decode(found[0].state).get("chain") != chain):
                return None
            stored.append(found[0])
        positions = self._positions(events)
        return [Recording(event, Notification(
            id=positions[(event.originator_id, event.originator_version)],
            originator_id=event.originator_id, originator_version=event.originator_version,
            topic=row.topic, state=row.state)) for event, row in zip(events, stored, strict=True)]

    def _positions(self, events: list[Any]) -> dict[tuple[UUID, int], int]:
        """The log positions of events just stored, looked for back from the log's head
        (one that is not found within ``LOOK_BACK`` positions is given the head)."""
        wanted = {(e.originator_id, e.originator_version) for e in events}
        topics = sorted({get_topic(type(e)) for e in events})
        head = self.recorder.max_notification_id() or 0
        found: dict[tuple[UUID, int], int] = {}
        stop, span = head, 64
        while len(found) < len(wanted) and stop > 0 and head - stop < LOOK_BACK:
            start = max(stop - span, 0)
            for notification in self.recorder.select_notifications(
                    start=start, limit=stop - start, stop=stop, topics=topics,
                    inclusive_of_start=False):
                key = (notification.originator_id, notification.originator_version)
                if key in wanted:
                    found[key] = notification.id
            stop, span = start, span * 8
        return {key: found.get(key, head) for key in wanted}

    def _load(self, case_id: UUID, expected_version: int) -> Case:
        case = self._get(case_id)
        if case.version != expected_version:
            raise ConcurrentEditError(case_id, expected_version, case.version)
        return case

    def _get(self, case_id: UUID, version: int | None = None) -> Case:
        held = current_staging()
        if held is not None and version is None:
            case: Case = held.held(case_id, lambda: self._get_stored(case_id))
            return case
        return self._get_stored(case_id, version)

    def _get_stored(self, case_id: UUID, version: int | None = None) -> Case:
        try:
            case = self.repository.get(case_id, version=version, projector_func=_replay)
        except AggregateNotFoundError:
            raise CaseNotFoundError(case_id) from None
        if not isinstance(case, Case):
            raise CaseNotFoundError(case_id)
        return case

    def _numbered(self, number: str) -> Case:
        try:
            return self._get(case_id_for(check_case_no(number)))
        except CaseNotFoundError:
            raise CaseNotFoundError(number) from None

    def _exists(self, stream_id: UUID) -> bool:
        return bool(self.recorder.select_events(stream_id, limit=1))

    def _keys(self, case: Case) -> DuplicateKeys:
        hasher = self.identity_hasher
        return DuplicateKeys(hasher(phone_value(case.mobile)) if case.mobile else None,
                             hasher(name_birth_value(case.name, case.birth_date)),
                             self._identity(case))

    def _identity(self, case: Case) -> str:
        return self.identity_hasher(identity_value(case.id_type, case.id_number))

    def _key(self, kind: str, key: str) -> UniqueKey:
        held = current_staging()
        if held is not None:
            unique: UniqueKey = held.held(UniqueKey.create_id(kind, key),
                                          lambda: self._stored_key(kind, key))
            return unique
        return self._stored_key(kind, key)

    def _stored_key(self, kind: str, key: str) -> UniqueKey:
        try:
            found = self.repository.get(UniqueKey.create_id(kind, key), projector_func=_replay)
        except AggregateNotFoundError:
            return UniqueKey.register(kind, key)
        assert isinstance(found, UniqueKey)
        return found

    def _claim(self, case: Case, kind: str, key: str, field: str) -> UniqueKey:
        unique = self._key(kind, key)
        unique.claim(case.id, field=field)
        return unique

    def _decode(self, state: bytes) -> dict[str, Any]:
        if self.mapper.cipher:
            state = self.mapper.cipher.decrypt(state)
        if self.mapper.compressor:
            state = self.mapper.compressor.decompress(state)
        return dict(self.mapper.transcoder.decode(state))


#: The aggregates whose events ``Cases.save`` collects without the library's checks.
_OWN_AGGREGATES = frozenset({Case, UniqueKey, MentorPlaces})


def _replay(aggregate: Any, events: Iterable[Any]) -> Any:
    """Apply stored events in order (the library's projector, minus its
    per-event runtime ``Protocol`` assertion: every stored event of a Homeward
    stream is one of its own event classes, which all have ``mutate``)."""
    for domain_event in events:
        aggregate = domain_event.mutate(aggregate)
    return aggregate


def _position(recordings: list[Recording], case_id: UUID) -> int | None:
    """The log position of the case's last event: what its views must reach."""
    ids = [r.notification.id for r in recordings if r.domain_event.originator_id == case_id]
    return ids[-1] if ids else None


def _fresh_case_no(fields: dict[str, Any]) -> str:
    district = str(fields.get("owning_district", ""))
    occurred_on = fields.get("occurred_on")
    year = getattr(occurred_on, "year", today().year)
    return new_case_no(district if district.isdigit() and len(district) == 6 else "HW", year)
