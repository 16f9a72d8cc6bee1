"""The Flask application factory."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, redirect, url_for
from werkzeug.wrappers import Response

from infrastructure.bootstrap import Services, StoreUnreachableError, bootstrap
from infrastructure.settings import Settings


def create_app(settings: Settings | None = None, **config: Any) -> Flask:
    """Build the web app (and the CLI's context) for ``settings``."""
    settings = settings or Settings.from_env()
    app = Flask(__name__, instance_path=str(settings.instance_path))
    app.config.update(SECRET_KEY=settings.keys.secret_key, **config)
    configure_services(app, settings)
    configure_i18n(app)
    configure_security(app)
    configure_recording(app)
    configure_templates(app)
    register_error_handlers(app)
    register_blueprints(app)
    register_commands(app)
    return app


def configure_services(app: Flask, settings: Settings) -> None:
    # Built once per process: the store's connection pools live in here.
    try:
        app.extensions["homeward"] = bootstrap(settings)
    except StoreUnreachableError as error:
        if not app.config.get("HOMEWARD_START_WITHOUT_STORE"):
            raise
        from web.startup import serve_when_the_store_returns

        serve_when_the_store_returns(app, lambda: bootstrap(settings), StoreUnreachableError,
                                     error)


def configure_i18n(app: Flask) -> None:
    from web.i18n import configure_i18n as configure

    configure(app)


def configure_security(app: Flask) -> None:
    from web.security import configure_security as configure

    configure(app)


def configure_recording(app: Flask) -> None:
    from web.access import configure_recording as configure

    configure(app)


def configure_templates(app: Flask) -> None:
    from web.templating import configure_templates as configure

    configure(app)


def register_error_handlers(app: Flask) -> None:
    from web.errors import register_error_handlers as register

    register(app)


def register_blueprints(app: Flask) -> None:
    from web.auth import bp as auth_bp
    from web.commands import bp as commands_bp
    from web.status import bp as status_bp

    for blueprint in (auth_bp, status_bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(commands_bp)
    register_cases_blueprint(app)
    app.add_url_rule("/", "home", home)
    register_work_blueprints(app)
    register_activities(app)
    register_registries(app)
    register_api(app)


def register_api(app: Flask) -> None:
    """The JSON API: token auth, so no CSRF token (no cookie is ever used by it)."""
    from web.api import bp as api_bp
    from web.security import csrf

    csrf.exempt(api_bp)
    app.register_blueprint(api_bp)


def register_work_blueprints(app: Flask) -> None:
    """My queue, the supervisors' dashboard and the accounts page."""
    from web.admin import bp as admin_bp
    from web.followups import bp as followups_bp
    from web.imports import bp as imports_bp
    from web.supervision import bp as supervision_bp

    for blueprint in (followups_bp, supervision_bp, admin_bp, imports_bp):
        app.register_blueprint(blueprint)


def register_registries(app: Flask) -> None:
    """The resource registries, mentor load and resource matching; case pages link the
    entries they name."""
    from web.cli.registry import registry_group
    from web.matching import bp as matching_bp
    from web.registries import bp as registries_bp
    from web.registries.pages import entry_link

    app.register_blueprint(registries_bp)
    app.register_blueprint(matching_bp)
    app.jinja_env.globals["entry_link"] = entry_link
    app.cli.add_command(registry_group)


def register_activities(app: Flask) -> None:
    """Group activities and the attendance recorded on them."""
    from web.activities import bp as activities_bp

    app.register_blueprint(activities_bp)


def register_cases_blueprint(app: Flask) -> None:
    """The case list, enrolment, the case page and its history."""
    from web.cases import bp as cases_bp

    app.register_blueprint(cases_bp)


def home() -> Response:
    """Each role starts where its daily work is."""
    from web.access import current_account
    from web.templating import start_page

    who = current_account()
    return redirect(url_for(start_page(who)) if who else url_for("auth.login"))


def register_commands(app: Flask) -> None:
    from web.cli import demo_group
    from web.cli.case import case_group
    from web.cli.export import export_group
    from web.cli.indicators import indicators_command
    from web.cli.integrity import digest_group, verify_command
    from web.cli.projections import projections_group

    for command in (demo_group, projections_group, case_group, verify_command, digest_group,
                    indicators_command):
        app.cli.add_command(command)
    app.cli.add_command(export_group)
    register_accounts_command(app)
    register_backup_commands(app)
    register_import_command(app)


def register_backup_commands(app: Flask) -> None:
    from web.cli.backup import backup_command, restore_command

    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)


def register_import_command(app: Flask) -> None:
    from web.cli.ledger import import_group

    app.cli.add_command(import_group)


def register_accounts_command(app: Flask) -> None:
    from web.cli.accounts import accounts_group

    app.cli.add_command(accounts_group)


def current_services() -> Services:
    """The services of the running app."""
    services: Services = current_app.extensions["homeward"]
    return services
