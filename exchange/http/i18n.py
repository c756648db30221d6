"""Chinese by default, English on request; the choice is kept per user and per session."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, request, session
from flask_babel import get_locale, gettext

from exchange.extensions import babel
from exchange.http.context import page_actor


def select_locale() -> str:
    """The signed-in user's language, else the session's, else Chinese (API: Accept-Language)."""
    languages: list[str] = current_app.config["LANGUAGES"]
    if request.path.startswith("/api/"):
        return request.accept_languages.best_match(languages) or languages[0]
    actor = page_actor()
    if actor is not None and actor.locale in languages:
        return actor.locale
    chosen = session.get("locale")
    if isinstance(chosen, str) and chosen in languages:
        return chosen
    default: str = current_app.config["BABEL_DEFAULT_LOCALE"]
    return default


def current_language() -> str:
    """The exchange's code for the language in use: 'zh_CN' or 'en'.

    Babel resolves zh_CN to zh_Hans_CN, so the Chinese catalog lives in translations/zh,
    the directory gettext falls back to for any Chinese locale.
    """
    locale = get_locale()  # None only outside a request
    return "zh_CN" if locale is not None and locale.language == "zh" else "en"


def translate(message: str, **params: Any) -> str:
    """Translate a message marked with N_ in a service, then fill in its parameters."""
    text = gettext(str(message))
    return text % params if params else text


def init_i18n(app: Flask) -> None:
    """Attach Babel with the locale selector and make translate() available to templates."""
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals["translate"] = translate
