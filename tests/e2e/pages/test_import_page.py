"""The supervisors' import page: upload, check on screen, adjust columns, report, import once."""

from __future__ import annotations

import io
import re
import time
from pathlib import Path
from typing import Any

import openpyxl
from eventsourcing.utils import get_topic
from flask import Flask

from domain.case import Case
from tests.conftest import AuthActions, add_accounts
from tests.ledgers import write_xlsx

ENROLLED = get_topic(Case.Enrolled)


def enrolled(app: Flask) -> int:
    recorder = app.extensions["homeward"].cases.recorder
    return len(recorder.select_notifications(start=1, limit=100_000, topics=[ENROLLED]))


def signed_in(app: Flask, key: str = "supervisor") -> AuthActions:
    auth = AuthActions(app.test_client(), add_accounts(app))
    assert auth.login(key).status_code == 302
    return auth


def upload(auth: AuthActions, name: str, data: bytes) -> object:
    return auth.client.post("/imports/", data={
        "csrf_token": auth.csrf_token("/imports/"), "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data")


def finished(auth: AuthActions, started: Any) -> str:
    """The progress page an import request leads to, once the import has ended."""
    assert started.status_code == 303, started.get_data(as_text=True)[:500]
    deadline = time.monotonic() + 120
    while True:
        page = auth.client.get(started.headers["Location"])
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        if 'http-equiv="refresh"' not in text or time.monotonic() > deadline:
            return text
        time.sleep(0.2)


BOUNDARY = "homeward-ledger-boundary"


def multipart(data: bytes, **fields: str) -> bytes:
    """A multipart body of the form's fields and one file, ``ledger.csv``."""
    parts = [f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
             .encode() for k, v in fields.items()]
    parts.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
                 'filename="ledger.csv"\r\nContent-Type: text/csv\r\n\r\n'.encode())
    return b"".join(parts) + data + f"\r\n--{BOUNDARY}--\r\n".encode()


def test_a_supervisor_checks_a_ledger_on_screen_then_imports_it_once(
    store_app: Flask, tmp_path: Path
) -> None:
    auth = signed_in(store_app)
    ledger = write_xlsx(tmp_path / "台账.xlsx", 120, caseworker="cw.zhang")

    sent = upload(auth, "台账.xlsx", ledger.path.read_bytes())
    checked = auth.client.get(sent.headers["Location"])

    assert sent.status_code == 302 and checked.status_code == 200
    page = checked.get_data(as_text=True)
    good = len(ledger.good)
    assert (f"检查完毕，未保存任何数据：120 行中，可导入 {good} 行，此前已导入 0 行，"
            f"不予导入 {len(ledger.bad)} 行，重复 {len(ledger.repeats)} 行") in page
    for row in ledger.bad:
        assert f'data-row="{row}" data-status="refused"' in page
    assert "校验位错误" in page and "公民身份号码" in page
    assert not any(number in page for number in ledger.id_numbers.values())
    assert enrolled(store_app) == 0

    # The report is the file with a result column, in the reader's language.
    link = re.search(r'href="([^"]+)" id="report"', page)
    assert link, page
    report = auth.client.get(link[1].replace("&amp;", "&"))
    assert report.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(report.data)).worksheets[0]
    assert sheet.cell(3, sheet.max_column).value == "导入结果"
    assert sheet.cell(ledger.good[0], sheet.max_column).value == "可导入。"

    # Importing saves the accepted rows; the same file again adds nothing.
    form = {"csrf_token": auth.csrf_token(sent.headers["Location"])}
    done = finished(auth, auth.client.post(sent.headers["Location"], data=form))
    again = finished(auth, auth.client.post(sent.headers["Location"], data=form))

    assert f"本次导入 {good} 行" in done
    assert f"本次导入 0 行，此前已导入 {good} 行" in again
    assert enrolled(store_app) == good


def test_columns_the_words_do_not_name_are_mapped_by_hand_and_bad_files_are_refused(
    app: Flask,
) -> None:
    auth = signed_in(app)
    sheet = "人员,证件编码,户籍地,返乡时间,人员类别,经办人\n" \
            "王芳,370303198501010027,张店区,2024-03-05,农民工,cw.zhang\n"

    sent = upload(auth, "名单.csv", sheet.encode("gb18030"))
    missing = auth.client.get(sent.headers["Location"] + "?lang=en")
    mapped = auth.client.get(sent.headers["Location"], query_string={
        "map:人员": "name", "map:证件编码": "id_number", "lang": "en"})

    assert missing.status_code == 422
    assert "These columns are missing: Name, ID number." in missing.get_data(as_text=True)
    assert mapped.status_code == 200, mapped.get_data(as_text=True)
    assert "1 can be imported" in mapped.get_data(as_text=True)
    for name, data, message in (
        ("old.xls", b"\xd0\xcf\x11\xe0" + bytes(600), "旧版 .xls"),
        ("empty.csv", b"", "文件是空的"),
    ):
        refused = upload(auth, name, data)
        assert refused.status_code == 422 and message in refused.get_data(as_text=True)
    assert enrolled(app) == 0


def test_only_supervisors_reach_the_page_and_only_their_own_uploads(app: Flask) -> None:
    auth = signed_in(app)
    sent = upload(auth, "名单.csv", "姓名,身份证号\n王芳,370303198501010027\n".encode())
    location = sent.headers["Location"]
    auth.logout()

    auth.login("caseworker")
    assert auth.client.get("/imports/").status_code == 403
    auth.logout()
    auth.login("city_supervisor")
    assert auth.client.get(location).status_code == 404


def test_columns_saved_for_the_district_are_read_so_in_its_later_imports(app: Flask) -> None:
    auth = signed_in(app)
    first = "人员,证件编码,联系方式,户籍地,返乡时间,人员类别,经办人\n" \
            "王芳,370303198501010027,13800000000,张店区,2024-03-05,农民工,cw.zhang\n"
    later = first.replace("王芳,370303198501010027", "李强,370303198602020013")
    sent = upload(auth, "名单.csv", first.encode())

    saved = auth.client.post(sent.headers["Location"] + "/columns", data={
        "csrf_token": auth.csrf_token(sent.headers["Location"] + "?lang=en"),
        "map:人员": "name", "map:证件编码": "id_number", "map:联系方式": "",
        "action": "save"})
    shown = auth.client.get(saved.headers["Location"] + "&lang=en")
    again = auth.client.get(upload(auth, "名单2.csv", later.encode()).headers["Location"]
                            + "?lang=en")

    assert saved.status_code == 302 and shown.status_code == 200
    assert "These columns are saved" in shown.get_data(as_text=True)
    assert again.status_code == 200, again.get_data(as_text=True)
    page = again.get_data(as_text=True)
    assert "of 1 rows, 1 can be imported" in page
    assert re.search(r'name="map:联系方式">\s*<option value="" selected>', page)
    # Another district's supervisor reads their ledgers their own way.
    auth.logout()
    auth.login("city_supervisor")
    theirs = auth.client.get(upload(auth, "名单.csv", first.encode()).headers["Location"]
                             + "?lang=en")
    assert theirs.status_code == 422


def test_a_ledger_larger_than_other_forms_take_is_uploaded_but_never_without_its_token(
    app: Flask,
) -> None:
    auth = signed_in(app)
    big = ("姓名,身份证号,户籍地,返乡时间,人员类别,经办人,附件\n"
           "王芳,370303198501010027,张店区,2024-03-05,农民工,cw.zhang," + "x" * 3_000_000 +
           "\n").encode()

    # The body is sent as bytes: the test client would spool a large file it encodes itself
    # to a temporary file it never closes.
    token = auth.csrf_token("/imports/")
    sent = auth.client.post("/imports/", data=multipart(big, csrf_token=token),
                            content_type=f"multipart/form-data; boundary={BOUNDARY}")
    forged = auth.client.post("/imports/", data=multipart(big),
                              content_type=f"multipart/form-data; boundary={BOUNDARY}")

    assert sent.status_code == 302, sent.get_data(as_text=True)[:500]
    assert forged.status_code == 400


def test_a_training_ledger_is_checked_and_imported_on_the_page_with_its_own_columns(
    store_app: Flask, tmp_path: Path
) -> None:
    from tests.case_ledgers import training_ledger

    auth = signed_in(store_app)
    cases = store_app.extensions["homeward"].cases
    ledger = training_ledger(cases, tmp_path / "培训台账.xlsx", 24)
    good = len(ledger.good)

    sent = auth.client.post("/imports/", data={
        "csrf_token": auth.csrf_token("/imports/"), "kind": "trainings",
        "file": (io.BytesIO(ledger.path.read_bytes()), "培训台账.xlsx")},
        content_type="multipart/form-data")
    checked = auth.client.get(sent.headers["Location"])

    assert sent.status_code == 302 and "kind=trainings" in sent.headers["Location"]
    page = checked.get_data(as_text=True)
    assert checked.status_code == 200, page
    assert "培训（培训台账）" in page
    assert (f"可导入 {good} 行，此前已导入 0 行，不予导入 {len(ledger.bad)} 行，"
            f"重复 {len(ledger.repeats) + len(ledger.on_case)} 行") in page
    assert "培训机构（统一社会信用代码）：该培训机构已于" in page
    assert "没有持此证件号码的案件：请先导入返乡人员台账。" in page
    assert '<option value="certificate_no" selected>' in page
    assert 'value="returnee_type"' not in page  # a returnee ledger's fields are not offered

    # The columns saved for trainings are the district's for trainings only.
    saved = auth.client.post(sent.headers["Location"].split("?")[0] + "/columns", data={
        "csrf_token": auth.csrf_token(sent.headers["Location"]), "kind": "trainings",
        "map:培训机构": "", "map:备注": "", "action": "save"})
    assert saved.status_code == 302 and "kind=trainings" in saved.headers["Location"]
    from application.ledger.kinds import CASES, TRAININGS
    from application.ledger.mappings import saved_mapping

    assert saved_mapping(cases, "370303", TRAININGS)["备注"] is None
    assert saved_mapping(cases, "370303", CASES) == {}

    form = {"csrf_token": auth.csrf_token(sent.headers["Location"]), "kind": "trainings"}
    done = finished(auth, auth.client.post(sent.headers["Location"].split("?")[0], data=form))
    again = finished(auth, auth.client.post(sent.headers["Location"].split("?")[0], data=form))

    assert f"本次导入 {good} 行" in done
    assert f"本次导入 0 行，此前已导入 {good} 行" in again
    assert "培训机构（统一社会信用代码）：该培训机构已于" in done  # the rows left out, and why


def test_the_progress_of_a_run_under_way_is_read_from_the_store_and_not_started_twice(
    store_app: Flask, tmp_path: Path
) -> None:
    from datetime import UTC, datetime

    from domain.import_runs import ImportRun
    from domain.recording import Role, recording_as

    auth = signed_in(store_app)
    cases = store_app.extensions["homeward"].cases
    ledger = write_xlsx(tmp_path / "台账.xlsx", 30, caseworker="cw.zhang")
    sent = upload(auth, "台账.xlsx", ledger.path.read_bytes())
    sha = sent.headers["Location"].split("/imports/")[1].split("?")[0]
    # Another worker (or host) is importing the file: its run is in the store.
    with recording_as("sup.li", Role.SUPERVISOR, "elsewhere"):
        run = ImportRun.register("cases", sha, "")
        run.start(file_name="台账.xlsx", total=0, started_by="sup.li", now=datetime.now(UTC),
                  stale_after_seconds=90)
        run.advance(40, 120)
    cases.save(run)

    shown = auth.client.get(f"/imports/{sha}/progress")
    again = auth.client.post(f"/imports/{sha}", data={
        "csrf_token": auth.csrf_token(f"/imports/{sha}/progress")})

    page = shown.get_data(as_text=True)
    assert shown.status_code == 200
    assert '<meta http-equiv="refresh" content="2">' in page
    assert "正在导入（由 sup.li 发起）：已处理 40 / 120 行。" in page
    assert '<progress id="progress" value="40" max="120">' in page
    assert again.status_code == 303 and again.headers["Location"].endswith(
        f"/imports/{sha}/progress")
    assert enrolled(store_app) == 0  # the second request started no run of its own

    with recording_as("sup.li", Role.SUPERVISOR, "elsewhere"):
        run.finish({"imported": 118, "already": 0, "refused": 2, "duplicate": 0}, [])
    cases.save(run)
    ended = auth.client.get(f"/imports/{sha}/progress").get_data(as_text=True)

    assert 'http-equiv="refresh"' not in ended
    assert "120 行中，本次导入 118 行" in ended


def test_a_check_runs_in_the_background_through_its_progress_page_to_its_result(
    store_app: Flask, tmp_path: Path
) -> None:
    store_app.config["LEDGER_CHECK_WAIT"] = 0  # as a ledger too large to check at once
    auth = signed_in(store_app)
    ledger = write_xlsx(tmp_path / "台账.xlsx", 120, caseworker="cw.zhang")
    sent = upload(auth, "台账.xlsx", ledger.path.read_bytes())

    started = auth.client.get(sent.headers["Location"])
    page = finished(auth, started)

    assert started.headers["Location"].startswith(sent.headers["Location"].split("?")[0]
                                                   + "/checking")
    good = len(ledger.good)
    assert (f"检查完毕，未保存任何数据：120 行中，可导入 {good} 行，此前已导入 0 行，"
            f"不予导入 {len(ledger.bad)} 行，重复 {len(ledger.repeats)} 行") in page
    for row in ledger.bad:
        assert f'data-row="{row}" data-status="refused"' in page
    assert not any(number in page for number in ledger.id_numbers.values())
    assert enrolled(store_app) == 0

    # The import after the check, from the result page's own form.
    form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">',
                           page.split('id="import"')[1].split("</form>")[0]))
    done = finished(auth, auth.client.post(sent.headers["Location"].split("?")[0], data=form))
    assert f"本次导入 {good} 行" in done
    assert enrolled(store_app) == good

    # The report is the check's: its rows' results were kept (encrypted) when it ran, so it
    # comes at once and still says what the check found, though the rows are in by now.
    link = re.search(r'href="([^"]+)" id="report"', page)
    assert link, page
    report = auth.client.get(link[1].replace("&amp;", "&"))
    assert report.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(report.data)).worksheets[0]
    notes = {row: sheet.cell(row, sheet.max_column).value
             for row in [*ledger.good, *ledger.bad]}
    assert all(notes[row] == "可导入。" for row in ledger.good)
    assert all(notes[row].startswith("不予导入") for row in ledger.bad), notes
    kept = list(Path(store_app.instance_path).rglob("*.rows"))
    assert len(kept) == 1
    assert not any(number.encode() in kept[0].read_bytes()
                   for number in ledger.id_numbers.values())


def test_a_check_under_way_is_read_from_the_store_not_started_twice_and_checked_again_if_stopped(
    store_app: Flask, tmp_path: Path
) -> None:
    from datetime import UTC, datetime

    from application.ledger.checks import reading
    from application.ledger.imports import ledger_import
    from application.ledger.kinds import CASES
    from domain.ledger_checks import LedgerCheck
    from domain.recording import Role, recording_as

    auth = signed_in(store_app)
    services = store_app.extensions["homeward"]
    cases = services.cases
    ledger = write_xlsx(tmp_path / "台账.xlsx", 30, caseworker="cw.zhang")
    sent = upload(auth, "台账.xlsx", ledger.path.read_bytes())
    sha = sent.headers["Location"].split("/imports/")[1].split("?")[0]
    importer = ledger_import(cases, CASES, auth.accounts["supervisor"], services.accounts.list())
    # Another worker (or host) is checking the file as this supervisor reads it.
    with recording_as(importer.who.username, Role.SUPERVISOR, "elsewhere"):
        check = LedgerCheck.register("cases", sha, "", reading(importer))
        check.start(file_name="台账.xlsx", started_by=importer.who.username,
                    now=datetime.now(UTC), stale_after_seconds=90)
        check.advance(40, 120)
    cases.save(check)

    again = auth.client.get(f"/imports/{sha}")
    shown = auth.client.get(again.headers["Location"])
    english = auth.client.get(again.headers["Location"], query_string={"lang": "en"}
                              ).get_data(as_text=True)

    assert again.status_code == 303 and f"/imports/{sha}/checking" in again.headers["Location"]
    assert cases.repository.get(check.id).version == check.version  # no second check began
    page = shown.get_data(as_text=True)
    assert shown.status_code == 200
    assert '<meta http-equiv="refresh" content="2">' in page
    assert f"正在检查（由 {importer.who.username} 发起）：已检查 40 / 120 行" in page
    assert '<progress id="progress" value="40" max="120">' in page
    assert "40 of 120 rows checked; nothing is saved." in english

    # Its worker stopped on an error: the page says so and offers to check again.
    with recording_as(importer.who.username, Role.SUPERVISOR, "elsewhere"):
        check.fail("OperationalError")
    cases.save(check)
    stopped = auth.client.get(again.headers["Location"]).get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)" id="check-again"', stopped)

    assert 'http-equiv="refresh"' not in stopped
    assert "本次检查因错误中断（OperationalError）。" in stopped and link, stopped
    rechecked = auth.client.get(link[1].replace("&amp;", "&"))
    assert rechecked.status_code == 200
    assert f"30 行中，可导入 {len(ledger.good)} 行" in rechecked.get_data(as_text=True)
    assert cases.repository.get(check.id).status == LedgerCheck.CHECKED
