"""Demo resource matches (资源对接): some open demo cases matched with their best resources.

After the histories and the registries are loaded, about one case in four
has its matches ranked as the caseworker's page ranks them, and the best one
or two recorded today by the case's caseworker, so the case pages show
matched resources and the dashboard counts 资源对接次数.
"""

from __future__ import annotations

import random

from application.cases import Cases
from application.matching import Matching
from application.projections.registries import RegistriesView
from domain.errors import DomainError
from domain.recording import Role, recording_as
from domain.values import case_id_for
from infrastructure.demo_activities import enrolled_cases

#: What a demo caseworker writes as the outcome of a match.
OUTCOMES = ("已推荐对接，双方已电话联系", "已转介，约定下周面谈", "已提供资料，等待反馈",
            "已陪同实地考察", "已建立微信群，持续跟进")


def load_demo_matches(cases: Cases, registries: RegistriesView, seed: int = 2260,
                      share: float = 0.25) -> int:
    """Record the best matches of a share of the open demo cases; returns how many."""
    rng, matching, recorded = random.Random(seed + 3), Matching(cases, registries), 0
    for _district, people in sorted(enrolled_cases(cases).items()):
        for person in people:
            if rng.random() >= share:
                continue
            case_id = case_id_for(person.case_no)
            found = matching.match_case(case_id)
            version = found.version
            for best in found.matches[:rng.randint(1, 2)]:
                with recording_as(f"cw-{found.seeker.district}-01", Role.CASEWORKER,
                                  f"demo-{seed}-match-{person.case_no}-{best.key}"):
                    try:
                        saved = matching.record_match(case_id, version, kind=best.kind,
                                                      key=best.key, outcome=rng.choice(OUTCOMES))
                    except DomainError:  # a closed case, or one transferred away
                        break
                version, recorded = saved.version, recorded + 1
    return recorded
