"""Sessions, CSRF, API tokens and the headers every response carries."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Flask, Response, current_app, g, request
from flask_login import LoginManager, UserMixin
from flask_wtf.csrf import CSRFProtect

from domain.accounts import Account

csrf = CSRFProtect()
login_manager = LoginManager()

# Scripts, styles, images and fonts come from the app itself; nothing from outside.
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")


class SessionUser(UserMixin):
    """The signed-in account, as Flask-Login sees it."""

    def __init__(self, account: Account) -> None:
        self.account = account

    def get_id(self) -> str:
        return str(self.account.id)


def configure_security(app: Flask) -> None:
    # Flask's defaults hold these keys as None, so setdefault would not set them.
    for key, value in (("SESSION_COOKIE_SAMESITE", "Lax"),
                       ("MAX_CONTENT_LENGTH", 2 * 1024 * 1024)):
        if app.config.get(key) is None:
            app.config[key] = value
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # a form may stay open all day
    configure_cookies(app)
    app.before_request(_form_is_utf8)  # before the CSRF check, which would read the form
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None  # the login page says why on its own
    login_manager.user_loader(_load_user)
    app.before_request(_token_account)
    app.after_request(_headers)


def configure_cookies(app: Flask) -> None:
    """The session cookie: HttpOnly and SameSite=Lax always, Secure in production.

    Production is served behind a TLS proxy (docs/operations.md), so the cookie
    must never travel over plain HTTP.  Flask-Login's remember-me cookie is not
    used (``login_user`` is never asked to remember); were it ever turned on, it
    gets the same flags.
    """
    services = app.extensions.get("homeward")
    production = bool(services and services.settings.production)
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["REMEMBER_COOKIE_HTTPONLY"] = True
    app.config["REMEMBER_COOKIE_SAMESITE"] = app.config["SESSION_COOKIE_SAMESITE"]
    if production:
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True


def _form_is_utf8() -> None:
    """A form whose fields are not UTF-8 is refused (400), never saved with ``%FF`` in it.

    Werkzeug keeps bytes that are not UTF-8 as their ``%XX`` escapes; a browser never
    sends them, so such a form comes from a broken or hostile client.
    """
    from urllib.parse import parse_qsl

    from flask import abort

    if request.method != "POST" or request.mimetype != "application/x-www-form-urlencoded":
        return
    try:
        parse_qsl(request.get_data(cache=True).decode(), keep_blank_values=True,
                  errors="strict")
    except UnicodeDecodeError:
        abort(400)


def _token_account() -> None:
    """``Authorization: Bearer hw_…`` names the account of an API call (no session)."""
    from web import current_services

    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        g.api_account = current_services().accounts.by_token(header.removeprefix("Bearer "))
        g.api_token_given = True


def _load_user(user_id: str) -> SessionUser | None:
    services = current_app.extensions.get("homeward")
    if services is None:  # started without the store (web.startup): no one is signed in
        return None
    try:
        account = services.accounts.get(UUID(user_id))
    except ValueError:
        return None
    # A disabled account's open sessions end at its next request.
    return SessionUser(account) if account and account.active else None


def _headers(response: Response) -> Response:
    headers: Any = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if getattr(g, "no_store", False) or request.endpoint not in (None, "static"):
        headers.setdefault("Cache-Control", "no-store")
    return response
