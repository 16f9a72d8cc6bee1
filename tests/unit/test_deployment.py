"""The deployment files: gunicorn's settings, the image and the compose file.

Docker is not run here; these checks read the files for what production relies on.
"""

from __future__ import annotations

import configparser
import re
import runpy
import subprocess
from fnmatch import fnmatch
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
from gunicorn.config import Config

ROOT = Path(__file__).resolve().parents[2]


def gunicorn_settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict[str, Any]:
    for name in ("WEB_CONCURRENCY", "GUNICORN_BIND", "PORT", "GUNICORN_TIMEOUT",
                 "FORWARDED_ALLOW_IPS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    found = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    config = Config()
    settings = {k: v for k, v in found.items() if k in config.settings}
    for name, value in settings.items():
        config.set(name, value)  # gunicorn's own validation of each value
    return settings


def test_gunicorn_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = gunicorn_settings(monkeypatch, WEB_CONCURRENCY="5", GUNICORN_BIND="127.0.0.1:8000",
                                 FORWARDED_ALLOW_IPS="10.0.0.2")

    assert settings["workers"] == 5
    assert settings["bind"] == ["127.0.0.1:8000"]
    assert settings["forwarded_allow_ips"] == "10.0.0.2"


def test_gunicorn_defaults_suit_production(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = gunicorn_settings(monkeypatch)

    assert 1 <= settings["workers"] <= 8
    assert settings["bind"] == ["0.0.0.0:5000"]
    assert settings["preload_app"] is False  # each worker builds its own pools
    assert settings["timeout"] > 0 and settings["graceful_timeout"] > 0
    assert settings["forwarded_allow_ips"] == "127.0.0.1"


def test_the_access_log_never_holds_a_query_string(monkeypatch: pytest.MonkeyPatch) -> None:
    log_format = gunicorn_settings(monkeypatch)["access_log_format"]

    assert "%(U)s" in log_format
    assert not {"%(r)s", "%(q)s", "%(f)s"} & set(re.findall(r"%\(\w+\)s", log_format))


def test_the_image_runs_gunicorn_as_a_non_root_user_with_a_health_check() -> None:
    text = (ROOT / "Dockerfile").read_text()
    bases = re.findall(r"^FROM\s+(\S+)", text, re.M)
    users = re.findall(r"^USER\s+(\S+)", text, re.M)

    assert bases and all(":" in b and not b.endswith(":latest") for b in bases)
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert re.search(r"^HEALTHCHECK .*\n?.*/healthz", text, re.M)
    assert re.search(r'^CMD \["gunicorn", "--config", "/app/gunicorn.conf.py", "web.wsgi:app"\]',
                     text, re.M)
    assert "COPY gunicorn.conf.py" in text


def test_the_compose_file_runs_two_web_two_workers_and_postgresql_15() -> None:
    text = (ROOT / "deploy" / "compose.yaml").read_text()
    services = dict(re.findall(r"^  (\w+):\n((?:    .*\n|\n)+)", text, re.M))

    assert {"db", "web", "worker"} <= set(services)
    assert re.search(r"image: postgres:15\.\d+", services["db"])
    assert "/var/lib/postgresql/data" in services["db"]
    assert "replicas: 2" in services["web"] and "replicas: 2" in services["worker"]
    assert '"projections", "run"' in services["worker"]
    assert "gunicorn" in services["web"]
    assert "env_file: homeward.env" in text
    assert not re.search(r"image: \S+:latest|image: [^:\s]+\s", text)
    assert (ROOT / "deploy" / "homeward.env.example").is_file()


def test_the_compose_file_is_valid_yaml_when_pyyaml_is_there() -> None:
    yaml = pytest.importorskip("yaml")

    document = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())

    services = document["services"]
    assert services["web"]["deploy"]["replicas"] == services["worker"]["deploy"]["replicas"] == 2
    assert services["worker"]["env_file"] == "homeward.env"  # through the x-homeward anchor
    assert services["db"]["image"].startswith("postgres:15.")


def test_the_installed_package_holds_every_module_and_file_the_app_reads() -> None:
    # The image installs the package (``pip install .``): a module directory without
    # ``__init__.py`` or a file no package_data pattern names would be left out of it.
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    patterns = {package: [p.strip() for p in value.split(",") if p.strip()]
                for package, value in config["options.package_data"].items()}
    tracked = subprocess.run(["git", "ls-files", "domain", "application", "infrastructure",
                              "web"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.split()

    def owner(path: PurePosixPath) -> PurePosixPath:
        """The package (a directory with ``__init__.py``) a file belongs to."""
        folder = path.parent
        while not (ROOT / folder / "__init__.py").exists():
            folder = folder.parent
        return folder

    def packaged(path: PurePosixPath) -> bool:
        package = owner(path)
        inside = path.relative_to(package).parts
        return any(len(inside) == len(PurePosixPath(p).parts) and all(
            fnmatch(part, glob) for part, glob in zip(inside, PurePosixPath(p).parts,
                                                       strict=True))
            for p in patterns.get(".".join(package.parts), []))

    modules = {PurePosixPath(f).parent for f in tracked if f.endswith(".py")}
    data = [PurePosixPath(f) for f in tracked if not f.endswith(".py")]
    assert sorted(str(m) for m in modules if not (ROOT / m / "__init__.py").exists()) == []
    assert sorted(str(f) for f in data if not packaged(f)) == []
