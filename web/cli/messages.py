"""The command line's messages in Chinese and English (``--lang`` or ``LANG``)."""

from __future__ import annotations

import os

import click

MESSAGES: dict[str, dict[str, str]] = {
    "unknown_case": {
        "zh": "没有案件 {case}",
        "en": "no case {case}",
    },
    "before_case": {
        "zh": "该时间点案件尚未登记：{moment}",
        "en": "the case was not yet recorded at {moment}",
    },
    "not_yet_effective": {
        "zh": "该日期案件尚不存在：{moment}",
        "en": "the case did not exist yet on {moment}",
    },
    "bad_moment": {
        "zh": "无法识别的时间 {value}：请用 ISO 8601 日期时间"
              "（如 2024-05-01T09:00）或版本号（如 v17）",
        "en": "cannot read the moment {value}: give an ISO 8601 date-time "
              "(e.g. 2024-05-01T09:00) or a version (e.g. v17)",
    },
    "bad_date": {
        "zh": "无法识别的日期 {value}：请用 YYYY-MM-DD",
        "en": "cannot read the date {value}: use YYYY-MM-DD",
    },
    "version_missing": {
        "zh": "案件没有版本 {version}（最新为 v{latest}）",
        "en": "the case has no version {version} (latest is v{latest})",
    },
    "verify_ok": {
        "zh": "全部 {streams} 个事件流、{events} 个事件校验通过",
        "en": "all {streams} streams and {events} events verified",
    },
    "verify_broken": {
        "zh": "发现 {count} 处断裂",
        "en": "{count} breaks found",
    },
    "view_differs": {
        "zh": "视图 {view} 与重新回放不一致",
        "en": "view {view} differs from a fresh replay",
    },
    "view_ok": {
        "zh": "视图 {view} 与重新回放一致",
        "en": "view {view} equals a fresh replay",
    },
    "digest_written": {
        "zh": "已写出 {streams} 个事件流的摘要（位置 {position}）",
        "en": "digest of {streams} streams written (position {position})",
    },
    "digest_ok": {
        "zh": "摘要校验通过：{streams} 个事件流自摘要以来未被改动",
        "en": "digest holds: {streams} streams unchanged since it was taken",
    },
    "digest_bad_signature": {
        "zh": "摘要签名无效（文件被改动或密钥不符）",
        "en": "the digest's signature does not match (file changed or wrong key)",
    },
    "digest_key_missing": {
        "zh": "缺少摘要密钥：请设置 HOMEWARD_DIGEST_KEY_FILE 或使用 --key-file",
        "en": "no digest key: set HOMEWARD_DIGEST_KEY_FILE or pass --key-file",
    },
}


def language(explicit: str | None = None) -> str:
    """``zh`` or ``en``: the option, else the locale, else Chinese."""
    choice = explicit or os.environ.get("HOMEWARD_LANG") or os.environ.get("LANG", "zh")
    return "en" if choice.lower().startswith("en") else "zh"


def say(code: str, lang: str | None = None, **params: object) -> str:
    """The message for ``code`` in the chosen language."""
    return MESSAGES[code][language(lang)].format(**params)


class InvestigationCommandError(click.ClickException):
    """A failure an investigator can act on: one line in their language, exit code 1."""

    def __init__(self, code: str, lang: str | None = None, **params: object) -> None:
        super().__init__(say(code, lang, **params))
