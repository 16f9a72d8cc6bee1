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
    "digest_not_recorded": {
        "zh": "摘要未能记入审计日志，文件已删除：{error}",
        "en": "the digest could not be recorded in the audit log; the file is removed: {error}",
    },
    "digest_key_missing": {
        "zh": "缺少摘要密钥：请设置 HOMEWARD_DIGEST_KEY_FILE 或使用 --key-file",
        "en": "no digest key: set HOMEWARD_DIGEST_KEY_FILE or pass --key-file",
    },
    "export_done": {
        "zh": "已导出 {rows} 行 {kind}（日志位置 {position}）到 {out}，SHA-256 {sha256}",
        "en": "exported {rows} rows of {kind} at log position {position} to {out}, "
              "SHA-256 {sha256}",
    },
    "export_view_behind": {
        "zh": "注意：视图位于日志位置 {position}，落后日志末尾 {behind} 个事件",
        "en": "note: the view stands at log position {position}, {behind} events behind the log",
    },
    "export_unknown_kind": {
        "zh": "没有 {kind} 导出",
        "en": "there is no {kind} export",
    },
    "export_filter_unsupported": {
        "zh": "{kind} 导出不支持 {option} 筛选",
        "en": "the {kind} export has no {option} filter",
    },
    "export_bad_range": {
        "zh": "--from 晚于 --to",
        "en": "--from is after --to",
    },
    "export_bad_district": {
        "zh": "无法识别的行政区划代码 {value}",
        "en": "unknown district code {value}",
    },
    "export_no_user": {
        "zh": "--reveal 需要用 --user 或 HOMEWARD_USER 指明您的账号",
        "en": "--reveal needs your account: pass --user or set HOMEWARD_USER",
    },
    "export_unknown_user": {
        "zh": "没有账号 {user}，不能导出明文个人信息",
        "en": "no account {user}: personal data cannot be revealed",
    },
    "export_role_refused": {
        "zh": "账号 {user}（{role}）无权导出明文个人信息，仅限在职的督导和调查员",
        "en": "account {user} ({role}) may not reveal personal data: "
              "active supervisors and investigators only",
    },
    "export_district_refused": {
        "zh": "账号 {user} 只能导出本辖区 {district} 的明文个人信息",
        "en": "account {user} may reveal personal data of district {district} only",
    },
    "export_no_account": {
        "zh": "没有账号 {user}",
        "en": "no account {user}",
    },
    "export_account_refused": {
        "zh": "账号 {user}（{role}）无权导出案件数据",
        "en": "account {user} ({role}) may not export case data",
    },
    "export_audit_refused": {
        "zh": "审计日志导出仅限调查员和科长（本辖区），账号 {user}（{role}）不能导出",
        "en": "the audit export is for investigators and supervisors (their district): "
              "account {user} ({role}) may not make it",
    },
    "export_out_of_reach": {
        "zh": "账号 {user} 只能导出本辖区 {district} 的数据",
        "en": "account {user} may export district {district} only",
    },
    "export_reason_missing": {
        "zh": "--reveal 需要 --reason 说明理由（至少 2 个字）",
        "en": "--reveal needs --reason (at least 2 characters)",
    },
    "export_reason_without_reveal": {
        "zh": "--reason 只与 --reveal 一起使用",
        "en": "--reason goes with --reveal",
    },
    "export_reveal_kind": {
        "zh": "{kind} 导出不含个人信息，无需 --reveal（仅 cases 和 events 可用）",
        "en": "the {kind} export holds no personal data: --reveal is for cases and events only",
    },
    "export_position_ahead": {
        "zh": "位置 {position} 超出日志末尾 {head}",
        "en": "position {position} is past the log's head {head}",
    },
    "export_undecodable": {
        "zh": "日志位置 {position} 的事件无法解码，请运行 homeward verify",
        "en": "the event at log position {position} does not decode: run homeward verify",
    },
    "export_refused": {
        "zh": "导出被拒绝：{error}",
        "en": "export refused: {error}",
    },
    "export_write_failed": {
        "zh": "无法写入 {out}：{error}",
        "en": "cannot write {out}: {error}",
    },
    # ``homeward indicators --as-known-at``
    "bad_period": {
        "zh": "无法识别的期间 {value}：请用月份（如 2024-03）、季度（如 2024Q1）或年份（如 2024）",
        "en": "cannot read the period {value}: give a month (e.g. 2024-03), a quarter "
              "(e.g. 2024Q1) or a year (e.g. 2024)",
    },
    "bad_district": {
        "zh": "无法识别的地区 {value}：请用县（区）或地市的行政区划代码（如 370303）",
        "en": "cannot read the district {value}: give a county or city code (e.g. 370303)",
    },
    "moment_needs_time": {
        "zh": "版本号 {moment} 只适用于单个案件：请给出日期时间（如 2024-04-10T12:00）",
        "en": "a version ({moment}) names a moment of one case: give a date-time "
              "(e.g. 2024-04-10T12:00)",
    },
    "ind_heading": {
        "zh": "指标：截至 {moment} 系统所报 与 现在所知；期间 {period}；地区 {district}",
        "en": "Indicators as reported at {moment} and as known now; period {period}; "
              "district {district}",
    },
    "ind_all_districts": {"zh": "全部", "en": "all"},
    "ind_figure": {"zh": "指标", "en": "figure"},
    "ind_then": {"zh": "当时", "en": "then"},
    "ind_now": {"zh": "现在", "en": "now"},
    "ind_no_difference": {"zh": "各项指标当时与现在一致。",
                          "en": "Every figure is as it was then."},
    "ind_explained": {"zh": "{figure} 的变化来自：", "en": "{figure} changed because of:"},
    "ind_unexplained": {"zh": "（无单个事件可解释）", "en": "(no single event explains it)"},
    "ind_occurred": {"zh": "发生于", "en": "effective"},
    "ind_recorded": {"zh": "录入于", "en": "recorded"},
    "ind_kind_backdated": {"zh": "补录", "en": "back-dated"},
    "ind_kind_correction": {"zh": "更正", "en": "correction"},
    "ind_kind_later": {"zh": "其后发生", "en": "after the moment"},
    "ind_kind_target": {"zh": "目标调整", "en": "target changed"},
    "ind_target": {"zh": "{figure}目标", "en": "target: {figure}"},
    "ind_completion": {"zh": "{figure}任务完成率", "en": "task completion: {figure}"},
    "kpi_training_completions": {"zh": "创业培训人次", "en": "training completions"},
    "kpi_training_passed": {"zh": "培训合格人次", "en": "trainings passed"},
    "kpi_training_failed": {"zh": "培训不合格人次", "en": "trainings failed"},
    "kpi_trained_then_started": {"zh": "培训后创业人次", "en": "passed, then started"},
    "kpi_supported_start": {"zh": "扶持创业人数", "en": "supported starts (people)"},
    "kpi_jobs": {"zh": "带动就业人数", "en": "jobs created"},
    "kpi_loan_granted": {"zh": "贷款发放额（元）", "en": "loans granted (yuan)"},
    "kpi_loan_settled": {"zh": "贷款结清额（元）", "en": "loans settled (yuan)"},
    "kpi_loan_due": {"zh": "到期本金（元）", "en": "principal falling due (yuan)"},
    "kpi_loan_repaid_on_time": {"zh": "按期还款额（元）", "en": "repaid on time (yuan)"},
    "kpi_loan_compensated": {"zh": "代偿额（元）", "en": "compensated (yuan)"},
    "kpi_resource_matching": {"zh": "资源对接次数", "en": "resource matchings"},
    "kpi_activities_held": {"zh": "活动场次", "en": "activities held"},
    "kpi_activity_attendances": {"zh": "惠及人次", "en": "attendances at activities"},
    "kpi_pass_rate": {"zh": "培训合格率", "en": "training pass rate"},
    "kpi_start_rate": {"zh": "培训后创业率", "en": "start rate after training"},
    "kpi_jobs_per_start": {"zh": "创业带动就业比", "en": "jobs per supported start"},
    "kpi_repayment_rate": {"zh": "到期还款率", "en": "repayment rate"},
    "kpi_compensation_rate": {"zh": "代偿率", "en": "compensation rate"},
    "kpi_business_anniversary": {"zh": "满12个月的企业", "en": "businesses reaching 12 months"},
    "kpi_business_survived": {"zh": "满12个月仍在经营", "en": "still operating at 12 months"},
    "kpi_survival_rate": {"zh": "企业12个月存活率", "en": "12-month business survival"},
    "kpi_followups_due": {"zh": "应完成跟踪服务事项", "en": "follow-up items due"},
    "kpi_followups_in_time": {"zh": "按时完成跟踪服务事项", "en": "follow-up items done in time"},
    "kpi_timeliness_rate": {"zh": "跟踪服务及时率", "en": "follow-up timeliness"},
    "ind_report_date": {
        "zh": "跟踪服务及时率与企业12个月存活率两列均按报告日 {day} 计算",
        "en": "Follow-up timeliness and 12-month survival are as of {day} in both columns",
    },
    # ``homeward backup`` and ``homeward restore``
    "backup_done": {
        "zh": "已将 {events} 个事件及账号备份到 {out}（{size} 字节）",
        "en": "{events} events and the accounts backed up to {out} ({size} bytes)",
    },
    "backup_failed": {
        "zh": "备份失败，未写出文件：{error}",
        "en": "backup failed, no file written: {error}",
    },
    "restore_done": {
        "zh": "已从 {backup} 恢复 {events} 个事件及账号；请接着运行 "
              "homeward projections rebuild all、homeward verify --views "
              "和 homeward digest check 摘要文件",
        "en": "{events} events and the accounts restored from {backup}; now run homeward "
              "projections rebuild all, homeward verify --views and homeward digest check FILE",
    },
    "restore_not_empty": {
        "zh": "目标存储不是空的（{what} 中已有数据）：恢复会替换这些数据，确需如此请加 --force",
        "en": "the target store is not empty ({what} hold data): restoring replaces it; "
              "pass --force if that is what you want",
    },
    "restore_wrong_store": {
        "zh": "{backup} 是 {kind} 的备份，而当前配置的存储是 {store}",
        "en": "{backup} is a {kind} backup but the configured store is {store}",
    },
    "restore_bad_file": {
        "zh": "{backup} 不是 Homeward 备份文件：{error}",
        "en": "{backup} is not a Homeward backup: {error}",
    },
    "restore_failed": {
        "zh": "恢复失败，目标存储未改动：{error}",
        "en": "restore failed, the target store is unchanged: {error}",
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
