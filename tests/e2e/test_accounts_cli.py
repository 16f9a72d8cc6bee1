"""``homeward accounts`` and the demo accounts, through the app's own CLI runner."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskCliRunner

from domain.values import today

PW = "a-long-password\n"


def service(app: Flask):  # type: ignore[no-untyped-def]
    return app.extensions["homeward"].accounts


def add(runner: FlaskCliRunner, *args: str, password: str = PW):  # type: ignore[no-untyped-def]
    return runner.invoke(args=["accounts", "add", *args, "--password-stdin"], input=password)


def test_add_opens_an_account_that_can_sign_in(app: Flask, runner: FlaskCliRunner) -> None:
    result = add(runner, "cw.liu", "--role", "caseworker", "--district", "370303",
                 "--name", "刘芳", "--lang", "zh")

    assert result.exit_code == 0, result.output
    assert "已添加账号 cw.liu" in result.output
    found = service(app).authenticate("cw.liu", "a-long-password")
    assert (found.display_name, found.role.value) == ("刘芳", "caseworker")
    assert service(app).history("cw.liu")[0].actor.startswith("cli")


def test_add_asks_for_the_password_twice_when_not_piped(app: Flask,
                                                        runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["accounts", "add", "sup.li", "--role", "supervisor",
                                 "--district", "370300", "--lang", "en"],
                           input="a-long-password\na-long-password\n")

    assert result.exit_code == 0, result.output
    assert "a-long-password" not in result.output  # typed, never echoed
    assert service(app).authenticate("sup.li", "a-long-password").district == "370300"


def test_a_duplicate_is_refused_in_one_line_with_a_failing_exit_code(
    runner: FlaskCliRunner,
) -> None:
    add(runner, "cw.liu", "--role", "caseworker", "--district", "370303")

    zh = add(runner, "cw.liu", "--role", "caseworker", "--district", "370303", "--lang", "zh")
    en = add(runner, "cw.liu", "--role", "caseworker", "--district", "370303", "--lang", "en")

    assert zh.exit_code != 0 and "账号 cw.liu 已存在" in zh.output
    assert en.exit_code != 0 and "account cw.liu exists already" in en.output
    assert "Traceback" not in zh.output + en.output


def test_bad_values_are_refused_with_what_is_wrong(runner: FlaskCliRunner) -> None:
    city = add(runner, "cw.liu", "--role", "caseworker", "--district", "370300", "--lang", "en")
    short = add(runner, "cw.liu", "--role", "caseworker", "--district", "370303", "--lang", "en",
                password="short\n")
    empty = add(runner, "cw.liu", "--role", "caseworker", "--district", "370303", "--lang", "en",
                password="\n")

    assert city.exit_code != 0 and "370300 is not a county code" in city.output
    assert short.exit_code != 0 and "at least 10 characters" in short.output
    assert empty.exit_code != 0 and "no password" in empty.output


def test_disable_and_enable(app: Flask, runner: FlaskCliRunner) -> None:
    add(runner, "cw.liu", "--role", "caseworker", "--district", "370303")

    assert runner.invoke(args=["accounts", "disable", "cw.liu"]).exit_code == 0
    assert not service(app).find("cw.liu").active
    assert runner.invoke(args=["accounts", "enable", "cw.liu"]).exit_code == 0
    assert service(app).find("cw.liu").active


def test_set_role_changes_role_and_district(app: Flask, runner: FlaskCliRunner) -> None:
    add(runner, "cw.liu", "--role", "caseworker", "--district", "370303")

    result = runner.invoke(args=["accounts", "set-role", "cw.liu", "supervisor",
                                 "--district", "370300", "--lang", "en"])

    assert result.exit_code == 0, result.output
    assert "cw.liu is now supervisor (370300)" in result.output
    found = service(app).find("cw.liu")
    assert (found.role.value, found.district) == ("supervisor", "370300")


def test_an_unknown_account_is_named(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["accounts", "disable", "nobody", "--lang", "en"])

    assert result.exit_code != 0 and "no account nobody" in result.output


def test_token_prints_a_token_that_names_the_account(app: Flask, runner: FlaskCliRunner) -> None:
    add(runner, "api.bot", "--role", "investigator", "--district", "370000")

    result = runner.invoke(args=["accounts", "token", "api.bot"])

    token = re.search(r"hw_\S+", result.output)[0]  # type: ignore[index]
    assert result.exit_code == 0
    assert service(app).by_token(token).username == "api.bot"
    runner.invoke(args=["accounts", "disable", "api.bot"])
    assert service(app).by_token(token) is None


def test_list_shows_every_account(runner: FlaskCliRunner) -> None:
    add(runner, "cw.liu", "--role", "caseworker", "--district", "370303", "--name", "刘芳")

    result = runner.invoke(args=["accounts", "list", "--lang", "en"])

    assert result.exit_code == 0
    assert "cw.liu\tcaseworker\t370303\tactive\t刘芳" in result.output


def test_the_demo_opens_its_accounts_and_leaves_the_demo_caseworker_work(
    app: Flask, runner: FlaskCliRunner,
) -> None:
    result = runner.invoke(args=["demo", "load", "--cases", "20", "--if-empty", "--accounts"])
    again = runner.invoke(args=["demo", "load", "--cases", "20", "--if-empty", "--accounts"])

    assert result.exit_code == 0, result.output
    assert "no demo data loaded" in again.output
    demo = service(app).authenticate("cw-370303-01", "homeward-demo")
    assert demo.district == "370303"
    views = app.extensions["homeward"].views
    views.catch_up("work_queue")
    found = views["work_queue"].queue(today(), assignee=demo.username)
    assert found.overdue_total >= 1 and found.due_today_total >= 1 and found.upcoming_total >= 1
    assert {a.role.value for a in service(app).list()} == {
        "caseworker", "supervisor", "investigator", "admin"}
