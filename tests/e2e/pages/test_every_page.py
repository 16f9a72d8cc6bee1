"""A walk over every page each role can reach, in Chinese and in English.

From the start page the walk follows every link of the site (GET only, no
downloads) and asks each page for: an answer that is not a server error, every
string translated into Chinese (the app's strict catalogue fails the test at
teardown otherwise), and, in English, no Chinese left but the data itself
(names of divisions and what people typed).
"""

from __future__ import annotations

import re
from collections import deque
from datetime import date
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from flask import Flask

from domain.divisions import divisions
from domain.recording import Role, recording_as
from tests.builders import a_uscc, enrolment
from tests.conftest import AuthActions

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
SKIP = re.compile(r"/(static|api)/|\.(csv|xlsx|json)$|/download/")
MAX_PAGES = 120


class Page(HTMLParser):
    """The links of a page and its visible text (without scripts, styles, ``lang="zh-CN"``)."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.text: list[str] = []
        self._hidden: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "a" and found.get("href"):
            self.links.append(str(found["href"]))
        if tag in ("script", "style") or found.get("lang") == "zh-CN":
            self._hidden.append(tag)
        elif self._hidden and tag == self._hidden[-1]:
            self._hidden.append(tag)
        for name in ("placeholder", "title", "aria-label", "alt"):
            if found.get(name) and not self._hidden:
                self.text.append(str(found[name]))
        if tag == "input" and found.get("type") in ("submit", "button") and found.get("value"):
            self.text.append(str(found["value"]))

    def handle_endtag(self, tag: str) -> None:
        if self._hidden and tag == self._hidden[-1]:
            self._hidden.pop()

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.text.append(data)


def _story(app: Flask) -> list[str]:
    """Cases with a little of everything, typed in Latin letters; returns the data's words."""
    cases = app.extensions["homeward"].cases
    saved = []
    with recording_as("cw.zhang", Role.CASEWORKER):
        for name in ("Ayixiamu", "Li Ming"):
            saved.append(cases.enrol_case(**enrolment(
                name=name, returned_on=date(2023, 1, 5), occurred_on=date(2023, 2, 1),
                caseworker_id="cw.zhang")))
        first = saved[0]
        cases.assess_needs(first.case_id, 1, occurred_on=date(2023, 2, 10), stage="PREPARING",
                           needs=["PREMISES", "FINANCE_INFO"], note="wants a shop")
        cases.register_business(first.case_id, 2, occurred_on=date(2023, 6, 1),
                                uscc=a_uscc("92"), entity_type="INDIVIDUAL_BUSINESS",
                                name="Ayi Noodles", first_time_founder=True, premises="RENTED")
        cases.correct_record(first.case_id, 3, occurred_on=date(2023, 6, 2), target_version=1,
                             field="name", new_value="Ayixiamu Tuerxun", reason="typo in name")
    views = app.extensions["homeward"].views
    for name in views.views:
        views.catch_up(name)
    # Division names are proper names, shown as the list has them in either language.
    places = {d.name for code in ("370000", "620000")
              for d in [divisions().get(code), *divisions().counties_of(code)] if d}
    places |= {divisions().get(code[:4] + "00").name for code in ("370303", "620702")}
    return sorted(places, key=len, reverse=True)


def walk(auth: AuthActions, allowed_words: list[str], english: bool) -> dict[str, int]:
    """Every page reachable from the start page: path → status."""
    client, seen, queue = auth.client, {}, deque(["/"])
    while queue and len(seen) < MAX_PAGES:
        path = queue.popleft()
        answer = client.get(path, follow_redirects=True)
        seen[path] = answer.status_code
        assert answer.status_code < 500, f"{path}: {answer.status_code}"
        if "text/html" not in answer.content_type:
            continue
        page = Page()
        page.feed(answer.get_data(as_text=True))
        if english:
            text = " ".join(page.text)
            for word in allowed_words:
                text = text.replace(word, "")
            left = sorted(set(CJK.findall(text)))
            assert not left, f"{path} shows Chinese in English: {''.join(left)} in {text[:3000]}"
        for link in page.links:
            target = urlsplit(urljoin(f"http://localhost{path}", link))
            local = target.path + (f"?{target.query}" if target.query else "")
            if target.netloc == "localhost" and local not in seen and not SKIP.search(local) \
                    and local not in queue:
                queue.append(local)
    return seen


@pytest.mark.parametrize("role", ["caseworker", "supervisor", "city_supervisor",
                                  "investigator", "admin"])
@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_every_page_a_role_reaches_is_whole_in_both_languages(
    app: Flask, auth: AuthActions, role: str, language: str,
) -> None:
    words = _story(app)
    auth.login(role)
    if language == "en":
        auth.client.set_cookie("lang", "en")
        # What people typed and the names the system shows as they are.
        words += ["张三", *(a.display_name for a in auth.accounts.values())]

    seen = walk(auth, words, english=language == "en")

    ok = [p for p, status in seen.items() if status == 200]
    assert len(ok) >= 3, seen


def _visited(seen: dict[str, Any], prefix: str) -> list[str]:
    return [p for p in seen if p.startswith(prefix)]


def test_the_caseworker_walk_reaches_queue_cases_forms_and_history(
    app: Flask, auth: AuthActions,
) -> None:
    _story(app)
    auth.login("caseworker")

    seen = walk(auth, [], english=False)

    for prefix in ("/queue", "/cases", "/cases/new", "/me"):
        assert _visited(seen, prefix), (prefix, sorted(seen))
    assert any("/history" in p for p in seen), sorted(seen)
    assert any(re.search(r"/cases/[^/]+/[a-z-]+$", p) for p in seen), sorted(seen)
