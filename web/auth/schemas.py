"""What the sign-in and language forms accept."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from web.i18n import LOCALES, _l


class LoginSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    username = fields.String(required=True, validate=validate.Length(min=1, max=40),
                             error_messages={"required": _l("Enter your user name.")})
    password = fields.String(required=True, validate=validate.Length(min=1, max=200),
                             error_messages={"required": _l("Enter your password.")})


class LanguageSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    language = fields.String(required=True, validate=validate.OneOf(LOCALES))
