"""What ``homeward import`` says, in Chinese or English, on the terminal and in the report."""

from __future__ import annotations

from application.ledger.importer import RowError, RowResult, Status
from application.ledger.kinds import Kind
from web.cli.messages import language
from web.ledger_errors import reason

MESSAGES: dict[str, dict[str, str]] = {
    "no_user": {"zh": "请用 --user 或 HOMEWARD_USER 指明导入者的账号",
                "en": "name the importing account: pass --user or set HOMEWARD_USER"},
    "unknown_user": {"zh": "没有账号 {user}", "en": "no account {user}"},
    "supervisors_only": {"zh": "账号 {user}（{role}）不能导入贷款台账："
                               "贷款的资格审核和发放由督导记录",
                         "en": "account {user} ({role}) may not import loan ledgers: loans are "
                               "certified and granted by supervisors"},
    "role": {"zh": "账号 {user}（{role}）不能导入台账：仅限在职的经办人和督导",
             "en": "account {user} ({role}) may not import ledgers: active caseworkers and "
                   "supervisors only"},
    "cannot_read": {"zh": "无法读取 {file}：{error}；未写入任何数据",
                    "en": "cannot read {file}: {error}; nothing was written"},
    "file_empty": {"zh": "{file} 是空文件；未写入任何数据",
                   "en": "{file} is empty; nothing was written"},
    "file_xls": {"zh": "{file} 是旧版 .xls 工作簿：请另存为 .xlsx 或 .csv 后再导入；未写入任何数据",
                 "en": "{file} is an old .xls workbook: save it as .xlsx or .csv and import "
                       "that; nothing was written"},
    "file_unreadable": {"zh": "{file} 不是可读取的 XLSX 或 CSV 文件（{error}）；未写入任何数据",
                        "en": "{file} is not a readable XLSX or CSV file ({error}); nothing "
                              "was written"},
    "file_encoding": {"zh": "{file} 既不是 UTF-8 也不是 GB18030（GBK）编码的文本；未写入任何数据",
                      "en": "{file} is neither UTF-8 nor GB18030 (GBK) text; nothing was "
                            "written"},
    "file_no_sheet": {"zh": "{file} 中没有工作表 {sheet}（现有：{sheets}）；未写入任何数据",
                      "en": "{file} has no sheet {sheet} (it has: {sheets}); nothing was "
                            "written"},
    "file_no_header": {"zh": "{file} 的前 20 行中找不到表头（如 姓名、身份证号）；"
                             "可用 --map 表头=字段 指明；未写入任何数据",
                       "en": "no header naming the ledger's columns (such as 姓名, 身份证号) in "
                             "the first 20 rows of {file}; name them with --map HEADER=FIELD; "
                             "nothing was written"},
    "file_missing_columns": {"zh": "{file} 缺少以下列：{fields}；"
                                   "可用 --map 表头=字段 对应已有的列，"
                                   "或用 --default 字段=值 为所有行指定；未写入任何数据",
                             "en": "{file} lacks the columns {fields}: map a column to each "
                                   "with --map HEADER=FIELD, or give every row a value with "
                                   "--default FIELD=VALUE; nothing was written"},
    "file_unknown_field": {"zh": "没有字段 {field}；{kind} 台账的字段有：{fields}",
                           "en": "there is no field {field}; a {kind} ledger has: {fields}"},
    "bad_pair": {"zh": "{option} 应写成 名称=值：{value}",
                 "en": "{option} takes NAME=VALUE: {value}"},
    "bad_default": {"zh": "--default {field}：{reason}", "en": "--default {field}: {reason}"},
    "report_unwritable": {"zh": "无法写入报告 {out}：{error}；未写入任何数据",
                          "en": "cannot write the report {out}: {error}; nothing was written"},
    "header_found": {"zh": "工作表 {sheet}：表头在第 {row} 行；导入的列：{columns}",
                     "en": "sheet {sheet}: header on row {row}; columns imported: {columns}"},
    "ignored": {"zh": "未导入的列：{columns}", "en": "columns not imported: {columns}"},
    "row_line": {"zh": "第 {row} 行：{note}", "en": "row {row}: {note}"},
    "more_rows": {"zh": "……另有 {count} 行未导入，详见报告",
                  "en": "… and {count} more rows not imported: see the report"},
    "summary_dry": {"zh": "试导入（未写入任何数据）：{rows} 行中，可导入 {ready}，"
                          "此前已导入 {already}，不予导入 {refused}，重复 {duplicate}",
                    "en": "dry run (nothing written): of {rows} rows, {ready} can be imported, "
                          "{already} were imported before, {refused} refused, {duplicate} "
                          "duplicates"},
    "summary": {"zh": "导入完成：{rows} 行中，新导入 {imported}，此前已导入 {already}，"
                      "不予导入 {refused}，重复 {duplicate}",
                "en": "import done: of {rows} rows, {imported} imported now, {already} were "
                      "imported before, {refused} refused, {duplicate} duplicates"},
    "source": {"zh": "文件 {file}，SHA-256 {sha256}；"
                      "审计日志中的请求号为 import:{prefix}:{sheet}:行号",
               "en": "file {file}, SHA-256 {sha256}; the audit log's request ids read "
                     "import:{prefix}:{sheet}:ROW"},
    "report_written": {"zh": "报告已写入 {out}"
                              "（含原文件的全部内容，包括明文身份证号，请按原文件同等保管）",
                       "en": "report written to {out} (it holds everything the file held, ID "
                             "numbers in clear included: keep it as you keep the file)"},
    "report_title": {"zh": "导入结果", "en": "Import result"},
    "note_ready": {"zh": "可导入", "en": "can be imported"},
    "note_imported": {"zh": "已导入：案件 {case_no}", "en": "imported: case {case_no}"},
    "note_already": {"zh": "此前已导入：案件 {case_no}", "en": "imported before: case {case_no}"},
    "note_already_plain": {"zh": "此前已导入", "en": "imported before"},
    "note_refused": {"zh": "不予导入：{problems}", "en": "refused: {problems}"},
    "note_same_row": {"zh": "重复：与第 {row} 行证件号码相同，未导入",
                      "en": "duplicate: the same ID number as row {row}; not imported"},
    "note_held": {"zh": "重复：证件号码已由在办案件 {case_no} 使用，未导入",
                  "en": "duplicate: open case {case_no} holds this ID number; not imported"},
    "note_held_plain": {"zh": "重复：证件号码已由另一在办案件使用，未导入",
                        "en": "duplicate: another open case holds this ID number; not "
                              "imported"},
    "note_same_trainings": {"zh": "重复：与第 {row} 行是同一培训，未导入",
                            "en": "duplicate: the same training as row {row}; not imported"},
    "note_same_loans": {"zh": "重复：与第 {row} 行合同编号相同，未导入",
                        "en": "duplicate: the same contract number as row {row}; not imported"},
    "note_held_trainings": {"zh": "重复：案件 {case_no} 已有此培训，未导入",
                            "en": "duplicate: case {case_no} has this training already; not "
                                  "imported"},
    "note_held_loans": {"zh": "重复：案件 {case_no} 已有此合同编号的贷款，未导入",
                        "en": "duplicate: case {case_no} has a loan of this contract number "
                              "already; not imported"},
    "problem": {"zh": "{column}：{reason}", "en": "{column}: {reason}"},
    "progress_check": {"zh": "检查台账", "en": "checking"},
    "progress_import": {"zh": "导入台账", "en": "importing"},
}


def say(code: str, lang: str | None, **params: object) -> str:
    """The message for ``code`` in the chosen language."""
    return MESSAGES[code][language(lang)].format(**params)


#: Fields a refusal may name that no column holds, as a person calls them in Chinese.
OTHER_FIELDS = {"eligibility": "贷款资格", "case": "案件", "incubator_id": "孵化基地",
                "sequence_no": "既往贷款", "enrolment_ref": "培训"}


def field_label(kind: Kind, field: str, lang: str | None) -> str:
    """A field as a person calls it: its ledger header in Chinese, its name in English."""
    spec = kind.field(field)
    if language(lang) == "en":
        return field
    if spec is None:
        return OTHER_FIELDS.get(field, field)
    return spec.headers[0]


def row_note(result: RowResult, kind: Kind, lang: str | None) -> str:
    """What became of a row, in a line (call it where the language is in force)."""
    if result.status is Status.REFUSED:
        return say("note_refused", lang, problems="；".join(
            _problem(e, kind, lang) for e in result.errors))
    if result.status is Status.DUPLICATE and kind.name != "cases":
        if result.same_as_row is not None:
            return say(f"note_same_{kind.name}", lang, row=result.same_as_row)
        return say(f"note_held_{kind.name}", lang, case_no=result.case_no)
    if result.status is Status.DUPLICATE:
        if result.same_as_row is not None:
            return say("note_same_row", lang, row=result.same_as_row)
        return say("note_held" if result.case_no else "note_held_plain", lang,
                   case_no=result.case_no)
    if result.status is Status.ALREADY and not result.case_no:
        return say("note_already_plain", lang)
    return say(f"note_{result.status.value}", lang, case_no=result.case_no)


def _problem(error: RowError, kind: Kind, lang: str | None) -> str:
    column = error.column or field_label(kind, error.field, lang)
    return say("problem", lang, column=column, reason=reason(error.error))
