"""The fast decoding (exports, replays) reads every stored event exactly as the library does."""

from __future__ import annotations

from typing import Any

import pytest
from eventsourcing.cryptography import AESCipher
from eventsourcing.persistence import Mapper, MapperDeserialisationError, Notification, StoredEvent
from eventsourcing.utils import Environment

from application.decoding import Decoder, plain
from tests.fixtures.make_golden import golden_mapper
from tests.integration.test_golden_events import GOLDEN, stored_events


def library_fields(mapper: Mapper, notification: Notification) -> dict[str, Any]:
    fields = vars(mapper.to_domain_event(notification))
    return {k: plain(v) for k, v in fields.items()
            if k not in ("originator_id", "originator_version")}


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "aes-gcm"])
def test_every_golden_event_decodes_as_the_library_decodes_it(encrypted: bool) -> None:
    mapper = encrypting(golden_mapper()) if encrypted else golden_mapper()
    decode = Decoder(mapper)

    for path in GOLDEN:
        for number, stored in enumerate(stored_events(path), 1):
            state = mapper.cipher.encrypt(stored.state) if mapper.cipher else stored.state
            notification = Notification(id=number, originator_id=stored.originator_id,
                                        originator_version=stored.originator_version,
                                        topic=stored.topic, state=state)

            assert decode(notification) == library_fields(mapper, notification), stored.topic


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "aes-gcm"])
def test_every_golden_event_becomes_the_domain_event_the_library_makes(encrypted: bool) -> None:
    mapper = encrypting(golden_mapper()) if encrypted else golden_mapper()
    decode = Decoder(mapper)

    for path in GOLDEN:
        for stored in stored_events(path):
            if mapper.cipher:
                stored = StoredEvent(stored.originator_id, stored.originator_version,
                                     stored.topic, mapper.cipher.encrypt(stored.state))
            fast, library = decode.event(stored), mapper.to_domain_event(stored)

            assert type(fast) is type(library), stored.topic
            assert vars(fast) == vars(library), stored.topic
            assert [type(v) for v in vars(fast).values()] == \
                [type(v) for v in vars(library).values()], stored.topic


def test_a_damaged_or_unknown_event_fails_as_the_library_fails() -> None:
    mapper = encrypting(golden_mapper())
    stored = stored_events(GOLDEN[0])[0]
    damaged = StoredEvent(stored.originator_id, 1, stored.topic,
                          mapper.cipher.encrypt(stored.state)[:-1] + b"?")
    unknown = StoredEvent(stored.originator_id, 1, stored.topic, mapper.cipher.encrypt(
        stored.state.replace(b'"date_iso"', b'"date_julian"', 1)))

    for broken in (damaged, unknown):
        with pytest.raises(MapperDeserialisationError):
            Decoder(mapper).event(broken)
        with pytest.raises(MapperDeserialisationError):
            mapper.to_domain_event(broken)


def encrypting(readable: Mapper) -> Mapper:
    key = AESCipher.create_key(32)
    return Mapper(transcoder=readable.transcoder,
                  cipher=AESCipher(Environment(env={"CIPHER_KEY": key})))
