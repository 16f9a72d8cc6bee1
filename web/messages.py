"""What the domain's codes, enum values and HTTP statuses say to a person.

The domain names an error by ``code`` with ``params``; here each code has an
English sentence (the msgid) that the catalogues translate.  Enum values are
labelled the same way.  A code without its own sentence falls back to a
general one that still names the field; a sentence whose values the error did
not bring falls back to its plain form (``code/plain``).
"""

from __future__ import annotations

import re
from typing import Any

from flask_babel import LazyString

from domain.errors import DomainError
from web.i18n import _, _l

ERRORS: dict[str, LazyString] = {
    # Shared with the accounts pages (their Chinese is in core.po).
    "required": _l("This field is required."),
    "format": _l("This value is not in the expected format."),
    "future": _l("This date lies in the future."),
    "choice": _l("Choose one of the listed values."),
    "unknown_account": _l("There is no such account."),
    "account_exists": _l("An account with this user name exists already."),
    "bad_username": _l("User name: 2 to 40 letters, digits, dots, dashes or underscores."),
    "bad_role": _l("Choose one of the roles."),
    "weak_password": _l("The password needs at least 10 characters."),
    "bad_language": _l("Choose Chinese or English."),
    # Values and codes (domain.po).
    "type": _l("This value has the wrong type."),
    "too_long": _l("At most %(max)s characters."),
    "too_small": _l("Must be at least %(min)s."),
    "too_small/plain": _l("Must be more than zero."),
    "too_large": _l("Must be at most %(max)s."),
    "too_large/plain": _l("This amount is too large."),
    "date": _l("Enter a date as YYYY-MM-DD."),
    "quarter": _l("Enter a quarter such as 2024-Q3."),
    "name_characters": _l("A name may hold Chinese characters, · and letters only."),
    "birth_date": _l("The birth date inside the ID number is not valid."),
    "checksum": _l("The check character is wrong: it should be %(expected)s."),
    "length": _l("This code has the wrong length (%(length)s characters)."),
    "character": _l("This code contains a character that is not allowed: %(char)s."),
    "entity_type": _l("This code belongs to another kind of entity: %(expected)s."),
    "not_county": _l("%(division)s (%(name)s) is not a county."),
    "not_county_or_city": _l("%(division)s (%(name)s) is not a county or a city."),
    "unknown_division": _l("Division %(division)s is not in the list as of %(as_of)s."),
    "county_mismatch": _l("This code does not lie in county %(county)s."),
    "township": _l("Township digits should be 001 to 599."),
    "village": _l("Village digits should be 000 to 599."),
    "unknown_province": _l("Enter a 2-digit province code."),
    "id_mismatch": _l("This does not match the ID number."),
    "after_enrolment": _l("Must not be after the enrolment date."),
    "before_return": _l("Must not be before the return home (%(returned_on)s)."),
    "before_return/plain": _l("Must not be before the return home."),
    "before_start": _l("Must not be before the start date."),
    "too_early": _l("Must not be before the record it follows (%(not_before)s)."),
    "too_early/plain": _l("Must not be before the record it follows."),
    "duplicate": _l("This value is already used by another record."),
    "busy": _l("Someone else is enrolling this ID number right now; try again."),
    "unknown": _l("This names nothing on this case."),
    # The state of the case and its records.
    "case_closed": _l("The case is closed; reopen it first."),
    "not_closed": _l("The case is open."),
    "transfer_pending": _l("A transfer of this case is pending; decide it first."),
    "none_pending": _l("No transfer is pending."),
    "same_district": _l("Must differ from the district that holds the case."),
    "same_caseworker": _l("This caseworker already holds the case."),
    "self": _l("Must name another case."),
    "already_completed": _l("This training has already ended."),
    "approval_required": _l("A subsidised course needs its class approval number."),
    "below_minimum": _l("A pass needs at least %(minimum)s hours."),
    "not_passed": _l("Only a pass has a certificate."),
    "not_graded": _l("This course has no business plan."),
    "plan_required": _l("A pass in this course needs a business plan graded pass or better."),
    "subsidised_once": _l("A subsidised course can be passed once per person."),
    "yearly_limit": _l("At most %(limit)s subsidised trainings per person and year."),
    "above_planned": _l("Must not exceed the planned hours (%(planned_hours)s)."),
    "above_planned/plain": _l("Must not exceed the planned hours."),
    "below_attended": _l("Must not be below the hours attended."),
    "already_paired": _l("This mentor is already paired with the case."),
    "mentor_full": _l("This mentor has no place free: all %(capacity)s places are taken."),
    "mentor_full/plain": _l("This mentor has no place free."),
    "released": _l("This mentor pairing has ended."),
    "closed": _l("This business has closed."),
    # Corrections.
    "no_such_event": _l("This names no record of this case."),
    "not_correctable": _l("This field of that record cannot be corrected."),
    "unchanged": _l("This is the value already recorded."),
    "correction_pending": _l("A correction of this field is already waiting for approval."),
    "derived": _l("This comes from the ID number: correct the ID number instead."),
    "decided": _l("This correction has already been decided."),
    "supervisor_only": _l("Only a supervisor may decide corrections."),
    "four_eyes": _l("Whoever asked for a correction cannot decide it."),
    "not_revealable": _l("This field cannot be revealed."),
    "bad_position": _l("This must be a position in the event log."),
    "delivered": _l("This export was delivered already."),
    # Loans.
    "declaration_required": _l("The borrower's and spouse's other loans must be declared."),
    "loan_pending": _l("Another loan application is still open."),
    "max_loans": _l("A borrower may have at most %(limit)s loans."),
    "past_overdue": _l("A borrower with an overdue record cannot borrow again."),
    "previous_outstanding": _l("The previous loan must be repaid first."),
    "not_in_case": _l("This group is not recorded for the case."),
    "training_required": _l("A passed training is needed first."),
    "business_required": _l("An operating business registered on the case is needed."),
    "business_too_young": _l("The business must have operated for %(minimum)s months."),
    "jobs_report_required": _l("A recent, verified jobs report is needed."),
    "small_micro_hires": _l("New hires from the eligible groups must be %(pct)s%% of the staff."),
    "above_applied": _l("Must not exceed the amount applied for."),
    "above_cap": _l("Above the limit in force (%(cap)s, rule set %(rule_set)s)."),
    "wrong_status": _l("Not possible while it is %(status)s."),
    "wrong_status/plain": _l("Not possible in its current status."),
    "already_paid": _l("This quarter's interest subsidy has already been paid."),
    "not_ended": _l("The quarter has not ended yet."),
    "no_subsidised_days": _l("The loan had no subsidised days in this quarter."),
    "extension_limit": _l("The loan has had every extension allowed."),
    "extension_too_long": _l("Must fall after the maturity date and by %(limit)s."),
    "out_of_range": _l("Must fall after the disbursement and by the date of this record."),
    "compensation_too_early": _l("Compensation can be claimed from %(earliest)s."),
    "not_remaining": _l("Must be the amount not yet recovered (%(remaining)s fen)."),
    # Subsidies.
    "not_periodic": _l("This kind of subsidy has no period."),
    "loan_required": _l("This names no granted loan of this case."),
    "once_only": _l("This subsidy was already applied for."),
    "first_time_founder": _l("Only a first-time founder's business qualifies."),
    "operating_months": _l("The business must have operated %(needed)s months (it has "
                           "%(months)s)."),
    "once_per_person": _l("The one-time start-up subsidy is granted once per person."),
    "overlap": _l("This overlaps a period already applied for."),
    "before_registration": _l("Must not be before the business was registered."),
    "rent_months": _l("Rent is subsidised for at most %(limit)s months (this makes "
                      "%(total)s)."),
    "verified_jobs_required": _l("A recent, verified jobs report is needed."),
    "insured_required": _l("The business insures no employees."),
    # Registries.
    "not_registered": _l("This is not in the registry."),
    "filing_revoked": _l("The provider's filing was revoked (%(since)s); it cannot be chosen."),
    "filing_revoked/plain": _l("The provider's filing was revoked; restore it first."),
    "not_active": _l("This registry entry is not active."),
    "not_offered": _l("The provider does not offer this course."),
    "not_of_class": _l("This differs from the class (%(expected)s)."),
    "not_of_mentor": _l("This differs from the mentor's level in the registry (%(expected)s)."),
    "fixed": _l("This cannot change; register a new entry instead."),
    "unknown_field": _l("This is not a field of this registry."),
    "unknown_rule": _l("%(path)s is not a number of the rule sets."),
    "unknown_rule_set": _l("This names no rule set version."),
    "too_many": _l("At most %(max)s items."),
    "not_provider": _l("Only a training provider has a filing."),
    "not_filed": _l("The provider holds no filing to revoke."),
    "not_revoked": _l("The filing is not revoked."),
    "no_free_code": _l("No free code was found; try again."),
    "not_matching": _l("This entry does not match the case (any more)."),
    "no_rule_set": _l("No rule set is in force on %(day)s."),
    # Group activities.
    "too_far_ahead": _l("Must be within two years from today."),
    "too_many_cases": _l("At most %(max)s cases at once."),
    "not_yet_held": _l("Attendance is recorded from the day of the activity (%(held_on)s)."),
    "not_yet_held/plain": _l("Attendance is recorded from the day of the activity."),
    "activity_cancelled": _l("The activity was cancelled."),
    "activity_held": _l("Attendance is on record: the activity took place."),
    "activity_changed": _l("The activity changed meanwhile. Reload it and try again."),
    "attendance_busy": _l("These cases are being changed right now; nothing was saved. Try "
                          "again."),
    "already_attended": _l("The case records this activity already."),
    "not_attended": _l("The case is not among the activity's attendees."),
    "not_in_reach": _l("No case with this number is in your districts."),
    "transferred_out": _l("This case has moved to another district."),
}

LABELS: dict[str, LazyString] = {
    # Roles (domain.recording.Role).
    "caseworker": _l("Caseworker"),
    "supervisor": _l("Supervisor"),
    "investigator": _l("Investigator"),
    "admin": _l("Administrator"),
    "system": _l("System"),
    # IdType, Sex.
    "RESIDENT_ID": _l("Resident ID card"),
    "HK_MO_PERMIT": _l("Hong Kong and Macao residents' permit"),
    "TW_PERMIT": _l("Taiwan residents' permit"),
    "PASSPORT": _l("Passport"),
    "M": _l("Male"),
    "F": _l("Female"),
    # ReturneeType, LoanGroup.
    "MIGRANT_WORKER": _l("Migrant worker"),
    "GRADUATE": _l("College graduate"),
    "VETERAN": _l("Veteran"),
    "OTHER": _l("Other"),
    "REGISTERED_UNEMPLOYED": _l("Registered unemployed"),
    "EMPLOYMENT_DIFFICULTY": _l("Person with employment difficulties"),
    "RELEASED_PRISONER": _l("Released prisoner"),
    "OVERCAPACITY_WORKER": _l("Worker laid off by capacity cuts"),
    "RETURNING_MIGRANT_WORKER": _l("Returning migrant worker"),
    "ONLINE_MERCHANT": _l("Online merchant"),
    "REGISTERED_POOR": _l("Registered poor household"),
    "RURAL_SELF_EMPLOYED": _l("Rural self-employed"),
    # Stage, Need, Service.
    "IDEA": _l("Idea"),
    "PREPARING": _l("Preparing"),
    "STARTED": _l("Started"),
    "OPERATING": _l("Operating"),
    "PREMISES": _l("Premises"),
    "FINANCE_INFO": _l("Finance information"),
    "OPENING_GUIDANCE": _l("Opening guidance"),
    "RECRUITMENT": _l("Recruitment"),
    "POLICY": _l("Policy advice"),
    "TRAINING": _l("Training"),
    "MENTOR": _l("Mentor"),
    "MARKETING": _l("Marketing"),
    "POLICY_BRIEFING": _l("Policy briefing"),
    "RESOURCE_MATCHING": _l("Resource matching"),
    "COMPETITION": _l("Entrepreneurship competition"),
    "NETWORK_GROUP": _l("Entrepreneurs' network"),
    # Course, TrainingResult, PlanGrade.
    "GYB": _l("GYB (Generate Your Business)"),
    "SYB": _l("SYB (Start Your Business)"),
    "IYB": _l("IYB (Improve Your Business)"),
    "EYB": _l("EYB (Expand Your Business)"),
    "ONLINE_BUSINESS": _l("Online business"),
    "SIMULATION": _l("Business simulation"),
    "LIVESTREAM_ECOMMERCE": _l("Livestream e-commerce"),
    "SPECIAL": _l("Special course"),
    "PASSED": _l("Passed"),
    "FAILED": _l("Failed"),
    "WITHDRAWN": _l("Withdrawn"),
    "EXCELLENT": _l("Excellent"),
    "PASS": _l("Pass"),
    "FAIL": _l("Fail"),
    "NONE": _l("Not graded"),
    # MentorLevel, SessionMode, ReleaseReason.
    "NATIONAL": _l("National"),
    "PROVINCIAL": _l("Provincial"),
    "CITY": _l("City"),
    "COUNTY": _l("County"),
    "VISIT": _l("Visit"),
    "PHONE": _l("Phone"),
    "ONLINE": _l("Online"),
    "GROUP": _l("Group session"),
    "COMPLETED": _l("Completed"),
    "MENTOR_LEFT": _l("Mentor left"),
    "MENTEE_REQUEST": _l("At the mentee's request"),
    "CASE_CLOSED": _l("Case closed"),
    # Premises, JobsSource, ContactMethod, BusinessStatus, ClosureKind.
    "OWN": _l("Own premises"),
    "RENTED": _l("Rented"),
    "INCUBATOR": _l("Incubator"),
    "HOME": _l("At home"),
    "SOCIAL_INSURANCE_DATA": _l("Social insurance data"),
    "ROSTER": _l("Staff roster"),
    "SELF_REPORT": _l("Self-reported"),
    "WECHAT": _l("WeChat"),
    "EVENT": _l("At an event"),
    "NOT_STARTED": _l("Not started"),
    "SUSPENDED": _l("Suspended"),
    "CLOSED": _l("Closed"),
    "DEREGISTERED": _l("Deregistered"),
    # CloseReason.
    "FOLLOW_UP_COMPLETE": _l("Follow-up complete"),
    "MOVED_AWAY": _l("Moved away"),
    "OPTED_OUT": _l("Opted out"),
    "DECEASED": _l("Deceased"),
    "DUPLICATE": _l("Duplicate case"),
    # BorrowerKind, Decision, Guarantor.
    "INDIVIDUAL": _l("Individual"),
    "PARTNERSHIP": _l("Partnership"),
    "SMALL_MICRO": _l("Small or micro enterprise"),
    "APPROVED": _l("Approved"),
    "REJECTED": _l("Rejected"),
    "FUND": _l("Guarantee fund"),
    "GOV_GUARANTOR": _l("Government guarantor"),
    "CREDIT_NO_GUARANTEE": _l("Credit, no guarantee"),
    # SubsidyKind.
    "ONE_TIME_STARTUP": _l("One-time start-up subsidy"),
    "RENT": _l("Rent subsidy"),
    "JOB_CREATION": _l("Job-creation subsidy"),
    "SOCIAL_INSURANCE": _l("Social insurance subsidy"),
    "GUARANTEE_FEE": _l("Guarantee fee subsidy"),
    # Loan, subsidy, correction and queue-item statuses.
    "APPLIED": _l("Applied"),
    "CERTIFIED": _l("Certified"),
    "GRANTED": _l("Granted"),
    "EXTENDED": _l("Extended"),
    "OVERDUE": _l("Overdue"),
    "REPAID": _l("Repaid"),
    "COMPENSATED": _l("Compensated"),
    "RECOVERED": _l("Recovered"),
    "WRITTEN_OFF": _l("Written off"),
    "PAID": _l("Paid"),
    "PENDING": _l("Pending"),
    "DONE": _l("Done"),
    "CANCELLED": _l("Cancelled"),
    # EntityType (of a USCC).
    "ENTERPRISE": _l("Enterprise"),
    "INDIVIDUAL_BUSINESS": _l("Individual business"),
    "FARMER_COOPERATIVE": _l("Farmers' cooperative"),
    # Registry entries: EntryStatus, IncubatorKind, FinancingKind, PolicyTopic.
    "ACTIVE": _l("In service"),
    "ENDED": _l("Ended"),
    "REVOKED": _l("Filing revoked"),
    "INCUBATION_BASE": _l("Business incubation base"),
    "MICRO_PARK": _l("Micro business park"),
    "STARTUP_STREET": _l("Start-up street"),
    "GUARANTEED_LOAN": _l("Guaranteed start-up loan"),
    "BANK_LOAN": _l("Bank loan"),
    "MICROCREDIT": _l("Microcredit"),
    "EQUITY": _l("Equity investment"),
    "LOAN": _l("Loans"),
    "SUBSIDY": _l("Subsidies"),
    "TAX": _l("Tax relief"),
    # ActivityKind (COMPETITION is above), ActivityStatus (CANCELLED is above).
    "TRAINING_SESSION": _l("Training session"),
    "VOLUNTEER_SERVICE": _l("Volunteer service day"),
    "ROADSHOW": _l("Project roadshow"),
    "SALON": _l("Entrepreneurs' salon"),
    "PLANNED": _l("Planned"),
    "HELD": _l("Held"),
}

HTTP: dict[int, LazyString] = {
    400: _l("The request could not be understood."),
    401: _l("Please sign in."),
    403: _l("Your account may not do this."),
    404: _l("Not found."),
    405: _l("This action is not available here."),
    409: _l("The record changed meanwhile."),
    413: _l("What you sent is too large."),
    415: _l("This kind of content is not accepted."),
    422: _l("Some values are not valid."),
    429: _l("Too many attempts. Wait a while and try again."),
    500: _l("Something went wrong on our side. Nothing was saved."),
    503: _l("The service is briefly unavailable. Try again in a moment."),
}

_PLACEHOLDER = re.compile(r"%\((\w+)\)")


def domain_message(error: DomainError) -> str:
    """The error in the user's language, with its values filled in."""
    template = ERRORS.get(error.code)
    if template is None:
        return _("This value is not accepted (%(code)s).", code=error.code)
    params: dict[str, Any] = {k: label(v) if isinstance(v, str) else v
                              for k, v in error.params.items()}
    missing = set(_PLACEHOLDER.findall(template._args[0])) - set(params)
    if missing and f"{error.code}/plain" in ERRORS:
        return str(ERRORS[f"{error.code}/plain"])
    params |= {name: "…" for name in missing}
    try:
        return str(template) % params
    except (KeyError, TypeError, ValueError):
        return str(template)


def http_message(status: int) -> str:
    return str(HTTP.get(status, HTTP[400] if status < 500 else HTTP[500]))


def label(value: Any) -> str:
    """The translated label of an enum value (the value itself when it has none)."""
    key = getattr(value, "value", value)
    found = LABELS.get(str(key)) if key is not None else None
    return str(found) if found is not None else ("" if key is None else str(key))


#: Why a resource matched a case (domain.matching), with the values each reason names.
REASONS: dict[str, LazyString] = {
    "specialty": _l("Specialties that answer the needs: %(needs)s"),
    "mentor_wanted": _l("A mentor was asked for"),
    "industry": _l("Knows the intended industry (%(industry)s)"),
    "same_county": _l("In the case's county"),
    "serves_city": _l("Serves the whole city (%(district)s)"),
    "neighbour_county": _l("In a neighbouring county (%(district)s)"),
    "serves_province": _l("Serves the whole province (%(district)s)"),
    "places_free": _l("%(free)s of %(capacity)s places free"),
    "level": _l("Level: %(level)s"),
    "services": _l("Services that answer the needs: %(needs)s"),
    "stage_fits": _l("Suits the stage of the business: %(stage)s"),
    "finance_need": _l("Financing information was asked for"),
    "in_force_until": _l("In force until %(until)s"),
    "loan_group": _l("Lends to the person's group: %(groups)s"),
    "training_passed": _l("A training was passed, as rule set %(rule_set)s requires"),
    "loans_left": _l("%(left)s loans left under rule set %(rule_set)s"),
    "up_to": _l("Up to %(amount)s"),
    "up_to/rule_set": _l("Up to %(amount)s (the cap of rule set %(rule_set)s)"),
    "topics": _l("Topics that answer the needs: %(topics)s"),
    "numbers_in_force": _l("Its numbers are those of the rule set in force (%(rule_set)s)"),
    "training_need": _l("Training was asked for"),
    "course_fits": _l("The course (%(course)s) suits the stage of the business"),
    "starts_on": _l("Starts on %(on)s"),
    "offers_courses": _l("Offers courses that suit the stage of the business: %(courses)s"),
    "matched_before": _l("Matched with this case before, on %(on)s"),
}


def reason_text(code: str, values: dict[str, Any]) -> str:
    """A matching reason in the user's language, its codes labelled and its values shown."""
    from datetime import date

    from domain.divisions import divisions
    from web.i18n import locale_name
    from web.templating import local_date, money

    joiner = "、" if locale_name() == "zh_CN" else ", "
    shown: dict[str, Any] = {}
    for name, value in values.items():
        if isinstance(value, tuple | list):
            shown[name] = joiner.join(label(v) for v in value)
        elif name == "district":
            found = divisions().get(value)
            shown[name] = found.name if found else value
        elif name in ("on", "until"):
            shown[name] = local_date(date.fromisoformat(value))
        elif name == "amount":
            shown[name] = money(value)
        elif isinstance(value, str) and name not in ("rule_set", "industry"):
            shown[name] = label(value)
        else:
            shown[name] = value
    key = f"{code}/rule_set" if code == "up_to" and "rule_set" in values else code
    template = REASONS.get(key)
    if template is None:
        return code
    try:
        return str(template) % shown
    except (KeyError, TypeError, ValueError):
        return str(template)
