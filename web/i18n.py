"""Languages: Chinese (zh_CN) by default, English on request, chosen per user.

Source strings are English; the ``.po`` files under
``web/translations/zh_CN/LC_MESSAGES/`` hold their Chinese, one file per area.
They are compiled into the instance folder when the app starts, so the
repository holds only the ``.po`` text.  With
``HOMEWARD_I18N_STRICT`` set, every string asked for in Chinese that the
catalogue lacks is remembered, so a test can walk the pages and name them.
"""

from __future__ import annotations

import os
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app, g, request
from flask_babel import Babel, Domain, get_locale, get_translations
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

LOCALES = ("zh_CN", "en")
CATALOGUES = Path(__file__).parent / "translations"

__all__ = ["LOCALES", "_", "_l", "configure_i18n", "locale_name", "select_locale"]


class CheckedDomain(Domain):
    """A message domain that looks its catalogue up once per request, and can report the
    Chinese strings it lacks (a page asks for hundreds of strings)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._by_locale: dict[str, Any] = {}  # the compiled catalogues do not change

    def gettext(self, string: str, **variables: Any) -> str:
        catalogue = g.get("_homeward_catalogue")
        if catalogue is None:
            locale = str(get_locale())
            catalogue = self._by_locale.get(locale)
            if catalogue is None:
                catalogue = self._by_locale[locale] = self.get_translations()
            g._homeward_catalogue = catalogue
        found = catalogue.ugettext(string)
        if found is string and string and current_app.config.get("HOMEWARD_I18N_STRICT") \
                and locale_name() == "zh_CN":
            current_app.extensions["untranslated"].add(string)
        return found if not variables else found % variables


class HomewardBabel(Babel):
    @cached_property
    def domain_instance(self) -> Domain:  # type: ignore[override]
        return CheckedDomain(domain=self.domain)


def select_locale() -> Locale:
    """The signed-in user's language, else ``?lang=``/cookie, else Chinese."""
    return _parsed(_chosen_locale())


def _chosen_locale() -> str:
    if getattr(g, "api_account", None) is not None:
        return str(g.api_account.language)
    wanted = request.args.get("lang") or request.cookies.get("lang")
    if wanted in LOCALES:
        return str(wanted)
    if current_user and current_user.is_authenticated:
        return str(current_user.account.language)
    return "zh_CN"


@cache
def _parsed(identifier: str) -> Locale:
    """Babel's ``Locale`` for an identifier, parsed once: parsing looks the locale
    data up on disk, which every request would otherwise repeat."""
    return Locale.parse(identifier)


def compile_catalogues(target: Path) -> Path:
    """Merge each locale's ``.po`` files into one ``messages.mo`` under ``target``.

    Each area of the app keeps its own ``.po`` file (``cases.po``, ``errors.po``…);
    a locale is recompiled when any of its files is newer than the ``.mo``.
    """
    for folder in sorted(CATALOGUES.glob("*/LC_MESSAGES")):
        sources = sorted(folder.glob("*.po"))
        # Babel asks for the locale's full name (zh_CN is zh_Hans_CN to it).
        mo = target / str(Locale.parse(folder.parent.name)) / "LC_MESSAGES" / "messages.mo"
        newest = max((po.stat().st_mtime for po in sources), default=0)
        if not sources or (mo.exists() and mo.stat().st_mtime >= newest):
            continue
        merged = Catalog(locale=folder.parent.name)
        for po in sources:
            with po.open("rb") as source:
                for message in read_po(source, locale=folder.parent.name):
                    if message.id and message.string:
                        merged[message.id] = message
        mo.parent.mkdir(parents=True, exist_ok=True)
        scratch = mo.with_suffix(f".{os.getpid()}.tmp")
        with scratch.open("wb") as out:
            write_mo(out, merged)
        scratch.replace(mo)  # atomic: several workers may start at once
    return target


def configure_i18n(app: Flask) -> None:
    compiled = compile_catalogues(Path(app.instance_path) / "translations")
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "zh_CN")
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai")
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(compiled)
    app.extensions["untranslated"] = set()
    babel = HomewardBabel(app, locale_selector=select_locale)
    # Templates translate through the same checked domain as the code, so that a
    # string a template asks for without its Chinese is found too.
    # (Jinja's new-style gettext fills the placeholders itself, after the lookup.)
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: babel.domain_instance.gettext(s),
        ngettext=lambda s, p, n: get_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: get_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: get_translations().unpgettext(c, s, p, n),
    )
    app.jinja_env.globals["current_locale"] = locale_name


def locale_name() -> str:
    """``zh_CN`` or ``en`` (Babel itself says ``zh_Hans_CN``)."""
    locale = get_locale()
    return "en" if locale is None or locale.language == "en" else "zh_CN"
