"""Upload a ledger, see what becomes of every row before anything is saved, then import it."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path
from typing import Any

from flask import Response, abort, current_app, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError, validate_csrf
from werkzeug.wrappers import Response as BaseResponse
from wtforms import ValidationError

from application.exports import record_export
from application.ledger.checks import get_check
from application.ledger.importer import LedgerImport, RowResult, Status
from application.ledger.imports import ledger_import
from application.ledger.kinds import CASES, KINDS, Kind
from application.ledger.mappings import save_mapping, saved_mapping
from application.ledger.report import write_report
from application.ledger.sheets import LedgerFile, LedgerFileError
from domain.recording import Role
from web.access import account, roles_required
from web.i18n import _, _l
from web.imports import bp, uploads
from web.ledger_errors import reason
from web.security import csrf

#: A ledger of 50,000 rows fits; the app's other forms keep their smaller limit.
MAX_UPLOAD = 32 * 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIELDS = {
    "name": _l("Name"), "id_type": _l("ID type"), "id_number": _l("ID number"),
    "sex": _l("Sex"), "birth_date": _l("Birth date"), "mobile": _l("Mobile phone"),
    "hukou_division": _l("Hukou (county)"), "residence_division": _l("Residence code"),
    "owning_district": _l("District"), "returnee_type": _l("Returnee type"),
    "loan_groups": _l("Loan groups"), "is_disabled": _l("Has a disability"),
    "returned_on": _l("Returned home on"), "occurred_on": _l("Enrolled on"),
    "caseworker_id": _l("Caseworker"), "prior_work_province": _l("Province worked in"),
    "intended_industry": _l("Intended industry"), "note": _l("Note"), "case_no": _l("Case number"),
    "course": _l("Course"), "provider_uscc": _l("Training provider (USCC)"),
    "class_approval_no": _l("Class approval number"), "start_on": _l("Course starts on"),
    "planned_hours": _l("Planned hours"), "enrolled_on": _l("Enrolled in the course on"),
    "subsidised": _l("Subsidised course"), "ended_on": _l("Course ended on"),
    "result": _l("Training result"), "hours_attended": _l("Hours attended"),
    "certificate_no": _l("Certificate number"), "business_plan_grade": _l("Business plan grade"),
    "borrower_kind": _l("Kind of loan"), "principal": _l("Amount lent"),
    "amount": _l("Amount applied for"), "term_months": _l("Term (months)"),
    "annual_rate_bp": _l("Yearly rate"), "disbursed_on": _l("Disbursed on"),
    "applied_on": _l("Applied on"), "certified_on": _l("Certified on"),
    "contract_no": _l("Contract number"), "bank": _l("Bank"), "guarantor": _l("Guarantee"),
    "group": _l("Loan group"), "repaid_on": _l("Repaid on"), "uscc": _l("Business USCC"),
    "business_name": _l("Business name"), "registered_on": _l("Business registered on"),
    "entity_type": _l("Kind of entity"), "premises": _l("Premises"),
    "first_time_founder": _l("First business"),
}
#: Fields a refusal may name that no column holds.
OTHER_FIELDS = {"eligibility": _l("Loan eligibility"), "incubator_id": _l("Incubator"),
                "sequence_no": _l("Earlier loans")}
#: The kinds of ledger the page imports.
KIND_NAMES = {"cases": _l("Returnees (real-name ledger): each row enrols a case"),
              "trainings": _l("Trainings (training ledger): each row is recorded in its "
                              "person's case"),
              "loans": _l("Guaranteed loans (loan ledger): each row is recorded in its "
                          "borrower's case")}
FILE_ERRORS = {
    "empty": _l("The file is empty."),
    "xls": _l("This is an old .xls workbook: save it as .xlsx or .csv and upload that."),
    "unreadable": _l("This is not a readable XLSX or CSV file."),
    "encoding": _l("This CSV file is neither UTF-8 nor GB18030 (GBK) text."),
    "no_sheet": _l("The workbook has no sheet %(sheet)s (it has: %(sheets)s)."),
    "no_header": _l("No header naming the ledger's columns (such as 姓名, 身份证号) was found "
                    "in the first 20 rows."),
    "missing_columns": _l("These columns are missing: %(fields)s. Map a column to each below."),
}


@bp.get("/")
@roles_required(Role.SUPERVISOR)
def index() -> str:
    """The upload form."""
    return render_template("imports/index.html", error=None, kinds=KIND_NAMES)


@bp.post("/")
@roles_required(Role.SUPERVISOR)
def upload() -> Any:
    """Keep the uploaded ledger (encrypted) and show its check."""
    # The larger limit must hold before the form is read, so the CSRF token is checked here.
    request.max_content_length = MAX_UPLOAD
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError as error:
        raise CSRFError(error.args[0] if error.args else None) from None
    sent = request.files.get("file")
    if sent is None or not sent.filename:
        return render_template("imports/index.html", error=_("Choose a file."),
                               kinds=KIND_NAMES), 422
    try:
        ledger = LedgerFile.of(Path(sent.filename).name, sent.read())
    except LedgerFileError as error:
        return render_template("imports/index.html", error=file_error(error),
                               kinds=KIND_NAMES), 422
    uploads.keep(_instance(), _cipher(), account(), ledger)
    return redirect(url_for("imports.check", sha256=ledger.sha256, kind=_kind_asked(),
                            sheet=request.form.get("sheet", "").strip() or None))


csrf.exempt(upload)


@bp.get("/<sha256>/report.xlsx")
@roles_required(Role.SUPERVISOR)
def report(sha256: str) -> Response:
    """The copy of the file with each row's result (it holds what the file held).

    The rows' results are those the page's check kept (so a large ledger's report
    comes at once); without a finished check they are checked in the request.

    Each download is in the audit log, in the reader's name: the kind of ledger,
    the uploaded file's SHA-256 and sheet, the log position the rows were checked
    at, the rows, and the size and SHA-256 of the bytes served.
    """
    from web import current_services

    ledger, sheet, mapping = _asked(sha256)
    cases = current_services().cases
    position = cases.recorder.max_notification_id() or 0
    importer = _importer(mapping)
    state = get_check(cases, importer, sha256, sheet)
    outcome = None if state is None or not state.checked else uploads.load_results(
        _instance(), _cipher(), account(), sha256, state.check_id)
    if outcome is None:  # no finished check of this reading kept its rows: check them now
        try:
            outcome = importer.run(ledger, sheet, dry_run=True)
        except LedgerFileError:
            abort(404)
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "report.xlsx"
        write_report(ledger, outcome, {r.row: note(r, _kind()) for r in outcome.rows},
                     _("Import result"), out)
        body = out.read_bytes()
    record_export(cases, "import-report", _kind().name, "xlsx",
                  f"file={ledger.sha256}; sheet={outcome.sheet}"[:500], position,
                  len(outcome.rows), hashlib.sha256(body).hexdigest(), len(body))
    name = f"{Path(ledger.name).stem}-report.xlsx"
    return Response(body, mimetype=XLSX, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{_quote(name)}"})


@bp.post("/<sha256>/columns")
@roles_required(Role.SUPERVISOR)
def columns(sha256: str) -> BaseResponse:
    """Read the columns as chosen; with "save", keep the choice for the account's district."""
    from web import current_services

    _, sheet, mapping = _asked(sha256)
    saved = request.form.get("action") == "save"
    if saved:
        save_mapping(current_services().cases, account().district, _kind(), mapping)
    return redirect(url_for("imports.check", sha256=sha256, kind=_kind_asked(), sheet=sheet,
                            saved=1 if saved else None,
                            **{f"map:{k}": v or "" for k, v in mapping.items()}))


@bp.post("/<sha256>/discard")
@roles_required(Role.SUPERVISOR)
def discard(sha256: str) -> BaseResponse:
    """Remove the uploaded file."""
    uploads.discard(_instance(), account(), sha256)
    return redirect(url_for("imports.index"))


# ----------------------------------------------------------------------------- helpers
def _asked(sha256: str) -> tuple[LedgerFile, str | None, dict[str, str | None]]:
    """The uploaded ledger, the sheet asked for and the columns mapped by hand."""
    ledger = uploads.load(_instance(), _cipher(), account(), sha256)
    if ledger is None:
        abort(404)
    from web import current_services

    kind = _kind()
    mapping = saved_mapping(current_services().cases, account().district, kind)
    for key, value in request.values.items():
        if key.startswith("map:") and (kind.field(value) is not None or value == ""):
            mapping[key[4:]] = value or None
    return ledger, request.values.get("sheet", "").strip() or None, mapping


def _kind() -> Kind:
    """The kind of ledger asked for (returnees unless said otherwise)."""
    return KINDS.get(request.values.get("kind", ""), CASES)


def _kind_asked() -> str | None:
    """The kind for a link: none for returnees, the page's default."""
    kind = _kind()
    return None if kind is CASES else kind.name


def _importer(mapping: dict[str, str | None]) -> LedgerImport:
    from web import current_services

    services = current_services()
    return ledger_import(services.cases, _kind(), account(), services.accounts.list(),
                         mapping=mapping)


def note(result: RowResult, kind: Kind = CASES) -> str:
    """What became of a row, in the reader's language."""
    if result.status is Status.REFUSED:
        return _("Refused: %(problems)s", problems="; ".join(
            _("%(column)s: %(reason)s", column=e.column or _field_label(e.field),
              reason=reason(e.error)) for e in result.errors))
    if result.status is Status.DUPLICATE and kind.name == "trainings":
        if result.same_as_row is not None:
            return _("Duplicate: the same training as row %(row)s; not imported.",
                     row=result.same_as_row)
        return _("Duplicate: case %(case_no)s has this training already; not imported.",
                 case_no=result.case_no)
    if result.status is Status.DUPLICATE and kind.name == "loans":
        if result.same_as_row is not None:
            return _("Duplicate: the same contract number as row %(row)s; not imported.",
                     row=result.same_as_row)
        return _("Duplicate: case %(case_no)s has a loan of this contract number already; "
                 "not imported.", case_no=result.case_no)
    if result.status is Status.DUPLICATE:
        if result.same_as_row is not None:
            return _("Duplicate: the same ID number as row %(row)s; not imported.",
                     row=result.same_as_row)
        if result.case_no:
            return _("Duplicate: open case %(case_no)s holds this ID number; not imported.",
                     case_no=result.case_no)
        return _("Duplicate: another open case holds this ID number; not imported.")
    if result.status is Status.IMPORTED:
        return _("Imported: case %(case_no)s.", case_no=result.case_no)
    if result.status is Status.ALREADY:
        return _("Imported before: case %(case_no)s.", case_no=result.case_no) \
            if result.case_no else _("Imported before.")
    return _("Can be imported.")


def _field_label(field: str) -> str:
    return str(FIELDS.get(field) or OTHER_FIELDS.get(field) or field)


def file_error(error: LedgerFileError) -> str:
    params = dict(error.params)
    if "fields" in params:
        params["fields"] = ", ".join(str(FIELDS.get(f, f)) for f in params["fields"])
    try:
        return str(FILE_ERRORS[error.code]) % params
    except (KeyError, TypeError, ValueError):
        return str(FILE_ERRORS.get(error.code, FILE_ERRORS["unreadable"]))


def _instance() -> Path:
    return Path(current_app.instance_path)


def _cipher() -> Any:
    from web import current_services

    return current_services().cases.mapper.cipher


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)
