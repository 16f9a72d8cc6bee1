"""The export's fast decoding reads every stored event exactly as the library does."""

from __future__ import annotations

from typing import Any

import pytest
from eventsourcing.cryptography import AESCipher
from eventsourcing.persistence import Mapper, Notification
from eventsourcing.utils import Environment

from application.event_export import Decoder, plain
from tests.fixtures.make_golden import golden_mapper
from tests.integration.test_golden_events import GOLDEN, stored_events


def library_fields(mapper: Mapper, notification: Notification) -> dict[str, Any]:
    fields = vars(mapper.to_domain_event(notification))
    return {k: plain(v) for k, v in fields.items()
            if k not in ("originator_id", "originator_version")}


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "aes-gcm"])
def test_every_golden_event_decodes_as_the_library_decodes_it(encrypted: bool) -> None:
    readable = golden_mapper()
    mapper = readable
    if encrypted:
        key = AESCipher.create_key(32)
        mapper = Mapper(transcoder=readable.transcoder,
                        cipher=AESCipher(Environment(env={"CIPHER_KEY": key})))
    decode = Decoder(mapper)

    for path in GOLDEN:
        for number, stored in enumerate(stored_events(path), 1):
            state = mapper.cipher.encrypt(stored.state) if mapper.cipher else stored.state
            notification = Notification(id=number, originator_id=stored.originator_id,
                                        originator_version=stored.originator_version,
                                        topic=stored.topic, state=state)

            assert decode(notification) == library_fields(mapper, notification), stored.topic
