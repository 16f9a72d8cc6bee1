"""``homeward accounts``: add, disable, enable, change role, issue API tokens, list."""

from __future__ import annotations

import getpass
import sys
from typing import Any

import click
from flask.cli import with_appcontext

from application.accounts import Accounts
from domain.accounts import ACCOUNT_ROLES
from domain.errors import DomainError
from web.cli.case import lang_option
from web.cli.messages import language

MESSAGES: dict[str, dict[str, str]] = {
    "added": {"zh": "已添加账号 {username}（{role}，{district}）",
              "en": "account {username} added ({role}, {district})"},
    "disabled": {"zh": "已停用账号 {username}", "en": "account {username} disabled"},
    "enabled": {"zh": "已启用账号 {username}", "en": "account {username} enabled"},
    "role_set": {"zh": "账号 {username} 现为 {role}（{district}）",
                 "en": "account {username} is now {role} ({district})"},
    "token_note": {"zh": "新的 API 令牌（只显示这一次，请妥善保存）：",
                   "en": "new API token (shown this once; keep it safe):"},
    "password_prompt": {"zh": "初始密码", "en": "Initial password"},
    "password_empty": {"zh": "标准输入中没有密码", "en": "no password on standard input"},
    "header": {"zh": "用户名\t角色\t地区\t状态\t姓名", "en": "user\trole\tdistrict\tstatus\tname"},
    "active": {"zh": "启用", "en": "active"},
    "inactive": {"zh": "停用", "en": "disabled"},
    # errors, by the code the Accounts service raises
    "account_exists": {"zh": "账号 {username} 已存在", "en": "account {username} exists already"},
    "unknown_account": {"zh": "没有账号 {username}", "en": "no account {username}"},
    "bad_username": {"zh": "用户名须为 2–40 个小写字母、数字、点、下划线或连字符",
                     "en": "a user name is 2-40 lower-case letters, digits, '.', '_' or '-'"},
    "bad_role": {"zh": "角色须为以下之一：{roles}", "en": "the role must be one of: {roles}"},
    "weak_password": {"zh": "密码至少 10 个字符",
                      "en": "the password needs at least 10 characters"},
    "format": {"zh": "地区代码须为 6 位数字（如 370303）",
               "en": "a district is a 6-digit code (e.g. 370303)"},
    "unknown_division": {"zh": "没有行政区划代码 {division}",
                         "en": "no division has the code {division}"},
    "not_county": {"zh": "经办人须属于县（区）：{division} 不是县级代码",
                   "en": "a caseworker works in a county: {division} is not a county code"},
    "other": {"zh": "无法完成：{error}", "en": "cannot do this: {error}"},
}
ROLES = ", ".join(role.value for role in ACCOUNT_ROLES)


def say(code: str, **params: object) -> str:
    ctx = click.get_current_context(silent=True)
    chosen = ctx.find_root().meta.get("lang") if ctx else None
    return MESSAGES[code][language(chosen)].format(**params)


class AccountCommandError(click.ClickException):
    """A refusal said in one line in the user's language (exit code 1)."""

    def __init__(self, error: DomainError) -> None:
        code = error.code if error.code in MESSAGES else "other"
        params: dict[str, Any] = {"roles": ROLES, "error": str(error), "division": "",
                                  **error.params}
        super().__init__(say(code, **params))


def _service() -> Accounts:
    from web import current_services

    return current_services().accounts


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _run(action: Any) -> Any:
    try:
        return action()
    except DomainError as error:
        raise AccountCommandError(error) from None


@click.group("accounts")
def accounts_group() -> None:
    """Accounts: who may use Homeward, in which role and district."""


@accounts_group.command("add")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice([r.value for r in ACCOUNT_ROLES]))
@click.option("--district", required=True, help="Division code, e.g. 370303 (a county).")
@click.option("--name", "display_name", default="", help="Display name (default: the user name).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@lang_option
@with_appcontext
def add_command(username: str, role: str, district: str, display_name: str,
                password_stdin: bool) -> None:
    """Add an account; the password is asked for (hidden) unless --password-stdin.

    \b
    Example:
      homeward accounts add cw.zhang --role caseworker --district 370303 --name 张伟
      homeward accounts add sup.li --role supervisor --district 370300 --password-stdin <pw
    """
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise click.ClickException(say("password_empty"))
    else:
        password = click.prompt(say("password_prompt"), hide_input=True,
                                confirmation_prompt=True)
    added = _run(lambda: _service().add(username=username, password=password, role=role,
                                        district=district, display_name=display_name,
                                        actor=_actor()))
    click.echo(say("added", username=added.username, role=added.role.value,
                   district=added.district))


@accounts_group.command("disable")
@click.argument("username")
@lang_option
@with_appcontext
def disable_command(username: str) -> None:
    """Stop an account from signing in (its history stays)."""
    done = _run(lambda: _service().disable(username, actor=_actor()))
    click.echo(say("disabled", username=done.username))


@accounts_group.command("enable")
@click.argument("username")
@lang_option
@with_appcontext
def enable_command(username: str) -> None:
    """Let a disabled account sign in again."""
    done = _run(lambda: _service().enable(username, actor=_actor()))
    click.echo(say("enabled", username=done.username))


@accounts_group.command("set-role")
@click.argument("username")
@click.argument("role", type=click.Choice([r.value for r in ACCOUNT_ROLES]))
@click.option("--district", default=None, help="Another district for the account.")
@lang_option
@with_appcontext
def set_role_command(username: str, role: str, district: str | None) -> None:
    """Give an account another role (and district)."""
    done = _run(lambda: _service().set_role(username, role, district=district, actor=_actor()))
    click.echo(say("role_set", username=done.username, role=done.role.value,
                   district=done.district))


@accounts_group.command("token")
@click.argument("username")
@lang_option
@with_appcontext
def token_command(username: str) -> None:
    """Issue a new API token for the account and print it once."""
    token = _run(lambda: _service().issue_token(username, actor=_actor()))
    click.echo(say("token_note"), err=True)
    click.echo(token)


@accounts_group.command("list")
@lang_option
@with_appcontext
def list_command() -> None:
    """Every account with its role, district and status."""
    click.echo(say("header"))
    for found in _service().list():
        status = say("active") if found.active else say("inactive")
        click.echo(f"{found.username}\t{found.role.value}\t{found.district}\t{status}\t"
                   f"{found.display_name}")
