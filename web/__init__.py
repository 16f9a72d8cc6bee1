"""The Flask application factory."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app

from infrastructure.bootstrap import Services, bootstrap
from infrastructure.settings import Settings


def create_app(settings: Settings | None = None, **config: Any) -> Flask:
    """Build the web app (and the CLI's context) for ``settings``."""
    settings = settings or Settings.from_env()
    app = Flask(__name__, instance_path=str(settings.instance_path))
    app.config.update(SECRET_KEY=settings.keys.secret_key, **config)
    configure_services(app, settings)
    register_blueprints(app)
    register_commands(app)
    return app


def configure_services(app: Flask, settings: Settings) -> None:
    # Built once per process: the store's connection pools live in here.
    app.extensions["homeward"] = bootstrap(settings)


def register_blueprints(app: Flask) -> None:
    from web.status import bp as status_bp

    app.register_blueprint(status_bp)


def register_commands(app: Flask) -> None:
    from web.cli import demo_group
    from web.cli.case import case_group
    from web.cli.integrity import digest_group, verify_command
    from web.cli.projections import projections_group

    for command in (demo_group, projections_group, case_group, verify_command, digest_group):
        app.cli.add_command(command)


def current_services() -> Services:
    """The services of the running app."""
    services: Services = current_app.extensions["homeward"]
    return services
