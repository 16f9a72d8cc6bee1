"""The accounts page: list, add, refuse bad input, disable and enable, change role, history."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.conftest import PASSWORD, AuthActions

NEW = {"username": "cw.liu", "display_name": "刘芳", "role": "caseworker",
       "district": "370303", "password": "a-long-password"}


def post(auth: AuthActions, path: str, data: dict[str, str]) -> Any:
    return auth.client.post(path, data={**data, "csrf_token": auth.csrf_token("/admin/accounts")})


def test_an_admin_sees_every_account(login_as: Any, accounts: dict) -> None:
    page = login_as("admin").client.get("/admin/accounts").get_data(as_text=True)

    assert all(f'data-username="{a.username}"' in page for a in accounts.values())
    assert "添加账号" in page and "经办人" in page


def test_an_admin_adds_an_account_that_can_then_sign_in(app: Flask, login_as: Any) -> None:
    auth = login_as("admin")

    answer = post(auth, "/admin/accounts", NEW)

    assert answer.status_code == 302
    assert "已添加账号 cw.liu" in auth.client.get("/admin/accounts").get_data(as_text=True)
    added = app.extensions["homeward"].accounts.find("cw.liu")
    assert (added.display_name, added.role.value, added.district) == ("刘芳", "caseworker",
                                                                       "370303")
    assert app.extensions["homeward"].accounts.history("cw.liu")[0].actor == "admin.zhao"


def test_a_taken_user_name_is_refused_beside_its_field(login_as: Any) -> None:
    answer = post(login_as("admin"), "/admin/accounts", {**NEW, "username": "cw.zhang"})

    page = answer.get_data(as_text=True)
    assert answer.status_code == 409
    assert 'id="username-error"' in page and "该用户名已被使用" in page
    assert 'value="刘芳"' in page  # what was typed stays


@pytest.mark.parametrize(("field", "value", "shown"), [
    ("role", "boss", "role-error"),
    ("district", "", "district-error"),
    ("district", "12", "district-error"),
    ("district", "370300", "district-error"),  # a caseworker works in a county
    ("password", "short", "password-error"),
    ("username", "张三", "username-error"),
])
def test_bad_input_is_refused_beside_its_field_and_nothing_is_added(
    app: Flask, login_as: Any, field: str, value: str, shown: str,
) -> None:
    answer = post(login_as("admin"), "/admin/accounts", {**NEW, field: value})

    assert answer.status_code == 422
    assert f'id="{shown}"' in answer.get_data(as_text=True)
    assert app.extensions["homeward"].accounts.find("cw.liu") is None


def test_a_disabled_account_cannot_sign_in_until_enabled(app: Flask, login_as: Any,
                                                         accounts: dict) -> None:
    auth = login_as("admin")
    assert post(auth, "/admin/accounts/cw.wang/disable", {}).status_code == 302
    auth.logout()

    assert auth.login("caseworker2").status_code == 401

    auth.login("admin")
    assert post(auth, "/admin/accounts/cw.wang/enable", {}).status_code == 302
    auth.logout()
    assert auth.login("caseworker2").status_code == 302


def test_a_role_and_district_change_shows_in_the_history(app: Flask, login_as: Any) -> None:
    auth = login_as("admin")

    answer = post(auth, "/admin/accounts/cw.wang/role",
                  {"role": "supervisor", "district": "370300"})
    page = auth.client.get("/admin/accounts/cw.wang").get_data(as_text=True)

    assert answer.status_code == 302
    assert app.extensions["homeward"].accounts.find("cw.wang").district == "370300"
    assert "角色或地区变更" in page and "admin.zhao" in page and "新建" in page


def test_a_bad_district_on_a_role_change_is_refused(login_as: Any) -> None:
    answer = post(login_as("admin"), "/admin/accounts/cw.wang/role",
                  {"role": "caseworker", "district": "999999"})

    assert answer.status_code == 422
    assert 'id="district-error"' in answer.get_data(as_text=True)


def test_an_unknown_account_or_action_is_not_found(login_as: Any) -> None:
    auth = login_as("admin")

    assert auth.client.get("/admin/accounts/nobody").status_code == 404
    assert post(auth, "/admin/accounts/cw.wang/delete", {}).status_code == 404


@pytest.mark.parametrize("key", ["caseworker", "supervisor", "city_supervisor", "investigator"])
def test_only_admins_may_manage_accounts(login_as: Any, key: str) -> None:
    auth = login_as(key)
    token = auth.csrf_token("/me")

    assert auth.client.get("/admin/accounts").status_code == 403
    assert auth.client.post("/admin/accounts", data={**NEW, "csrf_token": token}
                            ).status_code == 403
    assert auth.client.post("/admin/accounts/cw.wang/disable", data={"csrf_token": token}
                            ).status_code == 403


def test_a_form_without_its_csrf_token_is_refused(app: Flask, login_as: Any) -> None:
    client = login_as("admin").client

    assert client.post("/admin/accounts", data=NEW).status_code == 400
    assert client.post("/admin/accounts/cw.wang/disable").status_code == 400
    assert app.extensions["homeward"].accounts.find("cw.wang").active


def test_the_accounts_page_reads_in_english(login_as: Any) -> None:
    page = login_as("admin").client.get("/admin/accounts?lang=en").get_data(as_text=True)

    assert "Add an account" in page and "Caseworker" in page


def test_the_password_is_never_shown_back(login_as: Any) -> None:
    answer = post(login_as("admin"), "/admin/accounts", {**NEW, "role": "boss"})

    assert NEW["password"] not in answer.get_data(as_text=True)
    assert PASSWORD not in answer.get_data(as_text=True)
