"""What the accounts forms accept (syntax only; the Accounts service checks the meaning)."""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, fields, pre_load, validate

from domain.accounts import ACCOUNT_ROLES
from web.i18n import _l

REQUIRED = {"required": _l("This field is required.")}
ROLES = [role.value for role in ACCOUNT_ROLES]


class FormSchema(Schema):
    """Blank fields count as missing; values are trimmed (passwords are kept as typed)."""

    class Meta:
        unknown = EXCLUDE

    @pre_load
    def drop_blanks(self, data: Any, **_: Any) -> dict[str, Any]:
        return {k: (v if k == "password" else v.strip()) for k, v in data.items()
                if isinstance(v, str) and v.strip()}


class AddAccountSchema(FormSchema):
    """``Accounts.add``: user name, display name, role, district and first password."""

    username = fields.String(required=True, error_messages=REQUIRED,
                             validate=validate.Length(max=40, error=_l("At most 40 characters.")))
    display_name = fields.String(load_default="", validate=validate.Length(
        max=80, error=_l("At most 80 characters.")))
    role = fields.String(required=True, error_messages=REQUIRED,
                         validate=validate.OneOf(ROLES, error=_l("Choose one of the roles.")))
    district = fields.String(required=True, error_messages=REQUIRED)
    password = fields.String(required=True, error_messages=REQUIRED)


class SetRoleSchema(FormSchema):
    """``Accounts.set_role``: a role and, optionally, another district."""

    role = fields.String(required=True, error_messages=REQUIRED,
                         validate=validate.OneOf(ROLES, error=_l("Choose one of the roles.")))
    district = fields.String(load_default=None)
