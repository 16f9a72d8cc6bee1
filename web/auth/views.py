"""Sign in, sign out, choose a language."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from marshmallow import ValidationError
from werkzeug.wrappers import Response

from application.accounts import LoginRefusedError, LoginThrottledError
from web.auth import bp
from web.auth.schemas import LanguageSchema, LoginSchema
from web.i18n import _
from web.security import SessionUser


def _safe_next(target: str | None) -> str:
    """Only a path on this site (no scheme, no host) is followed after sign-in."""
    parts = urlsplit(target or "")
    if not target or parts.scheme or parts.netloc or not target.startswith("/"):
        return url_for("home")
    return target


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | tuple[str, int] | str:
    """Sign in with a user name and password."""
    from web import current_services

    if request.method == "GET":
        return render_template("auth/login.html", errors={}, form={})
    try:
        form = LoginSchema().load(request.form)
        account = current_services().accounts.authenticate(
            form["username"], form["password"], address=request.remote_addr or "")
    except ValidationError as error:
        return render_template("auth/login.html", errors=error.messages, form=request.form), 422
    except LoginRefusedError:
        errors = {"password": [_("User name or password is wrong, or the account is disabled.")]}
        return render_template("auth/login.html", errors=errors, form=request.form), 401
    except LoginThrottledError as error:
        errors = {"username": [_("Too many failed attempts. Try again in %(minutes)d minutes.",
                                 minutes=max(1, error.retry_after // 60))]}
        page = render_template("auth/login.html", errors=errors, form=request.form)
        return make_response(page, 429, {"Retry-After": str(error.retry_after)})
    login_user(SessionUser(account))
    return redirect(_safe_next(request.args.get("next")))


@bp.post("/logout")
def logout() -> Response:
    """Sign out."""
    logout_user()
    return redirect(url_for("auth.login"))


@bp.post("/language")
def language() -> Response:
    """Switch the language of the pages (kept on the account when signed in)."""
    from web import current_services

    chosen = LanguageSchema().load(request.form)["language"]
    if current_user.is_authenticated:
        current_services().accounts.set_language(current_user.account.id, chosen)
    response = redirect(_safe_next(request.form.get("next")))
    response.set_cookie("lang", chosen, max_age=365 * 86400, samesite="Lax", httponly=True)
    return response


@bp.get("/me")
@login_required
def me() -> str:
    """The signed-in account."""
    return render_template("auth/me.html", account=current_user.account)
