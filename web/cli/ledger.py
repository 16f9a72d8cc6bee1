"""``homeward import cases FILE``: a bureau's ledger (实名制台账) in, checked row by row."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext

from application.ledger.importer import ImportRefusedError, Outcome, Status
from application.ledger.imports import ledger_import
from application.ledger.kinds import KINDS, Kind
from application.ledger.mappings import save_mapping, saved_mapping
from application.ledger.report import write_report
from application.ledger.sheets import LedgerFile, LedgerFileError
from domain.errors import DomainError
from domain.recording import recording_as
from web.cli.case import lang_option
from web.cli.ledger_text import field_label, row_note, say
from web.ledger_errors import reason, speaking

#: Refused and duplicate rows named on the terminal; the report names them all.
ROWS_SHOWN = 50
#: The exit code of an import that left rows out (the others are in).
ROWS_LEFT_OUT = 3


class LedgerCommandError(click.ClickException):
    """A refusal before any row is read: one line in the user's language, exit code 1."""

    def __init__(self, code: str, lang: str | None, **params: object) -> None:
        super().__init__(say(code, lang, **params))


def _lang() -> str | None:
    return click.get_current_context().find_root().meta.get("lang")


def import_options(function: Any) -> Any:
    """The arguments and options every kind of ledger shares."""
    for option in reversed((
        click.argument("file", type=click.Path(dir_okay=False, path_type=Path)),
        click.option("--sheet", help="The sheet to read (default: the first)."),
        click.option("--dry-run", is_flag=True,
                     help="Check every row and write the report; save nothing."),
        click.option("--user", envvar="HOMEWARD_USER",
                     help="Your account (default: HOMEWARD_USER): the events are recorded "
                          "in its name."),
        click.option("--report", type=click.Path(dir_okay=False, path_type=Path),
                     help="Where the report goes (default: FILE-report.xlsx beside FILE)."),
        click.option("--map", "maps", multiple=True, metavar="HEADER=FIELD",
                     help="Read a column as a field (HEADER= leaves it out); repeatable."),
        click.option("--save-map", is_flag=True,
                     help="Keep the --map columns for later imports in your district."),
        click.option("--default", "defaults", multiple=True, metavar="FIELD=VALUE",
                     help="A value for every row of a field the file lacks; repeatable."),
        lang_option,
        with_appcontext,
    )):
        function = option(function)
    return function


@click.group("import")
def import_group() -> None:
    """Import a bureau's ledgers (实名制台账) from XLSX or CSV files.

    "cases" enrols a case per row of a returnee ledger; "trainings" and
    "loans" record each row in the case of its person, found by 身份证号.
    The header is found by its Chinese words (姓名, 身份证号, 户籍地, 返乡时间 …;
    a header over two rows and merged cells are read as Excel shows them).
    Every row is checked by the rules of the forms; a report, a copy of the
    file with a result column, names each refused row's column and reason
    and each duplicate.  Each row is imported once: importing the same file
    again, or again after an interrupted import, adds only what is not in.

    \b
    Exit codes: 0 every row is in (a dry run: the report is written),
    3 the import left some rows out (the others are in), 1 nothing was
    read or written (a file that cannot be read, an account that may not import).
    """


@import_group.command("cases")
@import_options
def cases_command(**options: Any) -> None:
    """Enrol a case for each row of a returnee ledger.

    Columns: 姓名, 身份证号 (15 digits are upgraded), 户籍地 (code or name),
    人员类别 (农民工, 高校毕业生, 退役军人, 其他), 返乡时间; optional: 证件类型,
    性别, 出生日期, 手机号, 居住地统计代码, 所属区县, 贷款人员类别, 是否残疾人,
    登记日期, 经办人 (user name or name), 务工省份, 意向行业, 备注, 案件编号.
    所属区县 defaults to your county, 经办人 to you (a caseworker), 登记日期 to today.

    \b
    Example:
      homeward import cases 台账.xlsx --user sup-370303 --dry-run
      homeward import cases 台账.xlsx --user sup-370303 --default caseworker_id=cw-370303-01
    """
    run_import(KINDS["cases"], **options)


@import_group.command("trainings")
@import_options
def trainings_command(**options: Any) -> None:
    """Record the trainings of a training ledger in the cases of its people.

    Each row's case is found by its 身份证号 (an open case; import the returnee
    ledger first).  Columns: 身份证号, and 开班批准号 (the class fills in the
    provider, course, start and hours) or 培训类型, 培训机构统一社会信用代码,
    开班时间, 计划课时; optional: 姓名 (must be the case's), 报名日期 (default:
    the start), 是否补贴培训 (default: yes with a class), and how it ended:
    结业时间, 培训结果 (合格, 不合格, 退学), 实际课时, 证书编号, 创业计划书评定.
    A row ending a course the case holds open records only the end.

    \b
    Example:
      homeward import trainings 培训台账.xlsx --user sup-370303 --dry-run
    """
    run_import(KINDS["trainings"], **options)


@import_group.command("loans")
@import_options
def loans_command(**options: Any) -> None:
    """Record the guaranteed loans of a loan ledger in the cases of their borrowers.

    A supervisor imports: each row is the application, the certification of
    eligibility and the grant, in one transaction (and the repayment, with
    结清日期).  Columns: 身份证号, 贷款金额 (元, or 万元 as the header says),
    贷款期限 (months, or 2年), 年利率, 放款日期, 合同编号, 贷款银行, 担保方式;
    optional: 姓名, 贷款类型 (default 个人), 申请金额, 申请日期, 审核日期,
    贷款人员类别, 结清日期, and the business if the case has none yet:
    统一社会信用代码, 经营主体名称, 注册日期, 经营场所, 是否首次创业.

    \b
    Example:
      homeward import loans 贷款台账.xlsx --user sup-370303 --dry-run
    """
    run_import(KINDS["loans"], **options)


def run_import(kind: Kind, *, file: Path, sheet: str | None, dry_run: bool, user: str | None,
               report: Path | None, maps: tuple[str, ...], save_map: bool,
               defaults: tuple[str, ...]) -> None:
    """Read, check, save (unless a dry run), then say what became of each row."""
    from web import current_services

    services, lang = current_services(), _lang()
    out = report or file.with_name(f"{file.stem}-report.xlsx")
    account = _account(services, user, lang)
    ledger = _ledger(file, lang)
    if not os.access(out.parent if str(out.parent) else ".", os.W_OK):
        raise LedgerCommandError("report_unwritable", lang, out=out, error="permission denied")
    try:
        given = {h: f or None for h, f in _pairs("--map", maps, lang).items()}
        for field in (f for f in given.values() if f is not None):
            if kind.field(field) is None:
                raise LedgerFileError("unknown_field", "", field=field)
        mapping = {**saved_mapping(services.cases, account.district, kind), **given}
        importer = ledger_import(services.cases, kind, account, services.accounts.list(),
                                 defaults=_pairs("--default", defaults, lang), mapping=mapping)
        with _progress(say("progress_check" if dry_run else "progress_import", lang)) as bar:
            outcome = importer.run(ledger, sheet, dry_run=dry_run, progress=bar)
        if save_map:  # once the file has been read with it
            with recording_as(account.username, account.role):
                save_mapping(services.cases, account.district, kind, mapping)
    except LedgerFileError as error:
        params = {"file": file.name, "sheet": sheet, "kind": kind.name,
                  "fields": ", ".join(field_label(kind, f, lang) for f in kind.required),
                  "error": "", **error.params}
        if error.code == "missing_columns":
            params["fields"] = "、".join(field_label(kind, f, lang) for f in error.params["fields"])
        if error.code == "unknown_field":
            params["fields"] = ", ".join(f.name for f in kind.fields)
        raise LedgerCommandError(f"file_{error.code}", lang, **params) from None
    except ImportRefusedError as error:
        code = "supervisors_only" if error.code == "supervisors_only" else "role"
        raise LedgerCommandError(code, lang, **error.params) from None
    except DomainError as error:  # a --default value the field cannot take
        with speaking(lang or ""):
            raise LedgerCommandError("bad_default", lang, field=error.field,
                                     reason=reason(error)) from None
    _tell(kind, ledger, outcome, out, lang)
    if not dry_run and not outcome.complete:
        click.get_current_context().exit(ROWS_LEFT_OUT)


def _account(services: Any, user: str | None, lang: str | None) -> Any:
    if not user:
        raise LedgerCommandError("no_user", lang)
    account = services.accounts.find(user)
    if account is None:
        raise LedgerCommandError("unknown_user", lang, user=user)
    return account


def _ledger(file: Path, lang: str | None) -> LedgerFile:
    try:
        return LedgerFile.of(file.name, file.read_bytes())
    except OSError as error:
        raise LedgerCommandError("cannot_read", lang, file=file,
                                 error=error.strerror or str(error)) from None
    except LedgerFileError as error:
        raise LedgerCommandError(f"file_{error.code}", lang, file=file.name,
                                 **error.params) from None


def _pairs(option: str, given: tuple[str, ...], lang: str | None) -> dict[str, str]:
    pairs = {}
    for item in given:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise LedgerCommandError("bad_pair", lang, option=option, value=item)
        pairs[name.strip()] = value.strip()
    return pairs


def _tell(kind: Kind, ledger: LedgerFile, outcome: Outcome, out: Path,
          lang: str | None) -> None:
    """The header found, each row left out (the first few), the report, the summary."""
    header = outcome.header
    click.echo(say("header_found", lang, sheet=outcome.sheet, row=header.last_row,
                   columns="、".join(header.titles[c] for c in sorted(header.titles))))
    if header.ignored:
        click.echo(say("ignored", lang, columns="、".join(header.ignored)))
    with speaking(lang or ""):
        notes = {r.row: row_note(r, kind, lang) for r in outcome.rows}
    left_out = [r for r in outcome.rows if r.status in (Status.REFUSED, Status.DUPLICATE)]
    for result in left_out[:ROWS_SHOWN]:
        click.echo(say("row_line", lang, row=result.row, note=notes[result.row]))
    if len(left_out) > ROWS_SHOWN:
        click.echo(say("more_rows", lang, count=len(left_out) - ROWS_SHOWN))
    try:
        write_report(ledger, outcome, notes, say("report_title", lang), out)
    except OSError as error:
        click.echo(say("report_unwritable", lang, out=out,
                       error=error.strerror or str(error)), err=True)
    else:
        click.echo(say("report_written", lang, out=out))
    counts = {s.value: outcome.count(s) for s in Status}
    click.echo(say("source", lang, file=ledger.name, sha256=ledger.sha256,
                   prefix=ledger.sha256[:32], sheet=outcome.sheet_index))
    click.echo(say("summary_dry" if outcome.dry_run else "summary", lang,
                   rows=len(outcome.rows), **counts))


@contextmanager
def _progress(label: str) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on a terminal; elsewhere nothing."""
    if not sys.stderr.isatty():
        yield None
        return
    state = {"done": 0}
    bar_holder: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        if "bar" not in bar_holder:
            bar_holder["bar"] = click.progressbar(length=max(total, 1), label=label,
                                                  file=sys.stderr, show_eta=True,
                                                  show_percent=True)
            bar_holder["bar"].__enter__()
        bar_holder["bar"].update(done - state["done"])
        state["done"] = done

    try:
        yield update
    finally:
        if "bar" in bar_holder:
            bar_holder["bar"].__exit__(None, None, None)
