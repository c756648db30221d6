"""Flask-Login ships no types: login_required returns the view it wraps, typed as given.

Partial: what the exchange calls is declared; any other name is Any, as it was untyped.
current_user stays Any: it is whatever the app's user loader returns (exchange.auth.SessionUser).
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from flask import Flask

_View = TypeVar("_View", bound=Callable[..., Any])
_Loader = TypeVar("_Loader", bound=Callable[[str], Any])

current_user: Any

def login_required(func: _View) -> _View: ...
def login_user(
    user: UserMixin,
    remember: bool = False,
    duration: timedelta | None = None,
    force: bool = False,
    fresh: bool = True,
) -> bool: ...
def logout_user() -> bool: ...

class UserMixin:
    @property
    def is_active(self) -> bool: ...
    @property
    def is_authenticated(self) -> bool: ...
    @property
    def is_anonymous(self) -> bool: ...
    def get_id(self) -> str: ...

class LoginManager:
    login_view: str | None
    session_protection: str | None
    login_message: str
    localize_callback: Callable[[str], str] | None
    def __init__(self, app: Flask | None = None, add_context_processor: bool = True) -> None: ...
    def init_app(self, app: Flask, add_context_processor: bool = True) -> None: ...
    def user_loader(self, callback: _Loader) -> _Loader: ...
    def __getattr__(self, name: str) -> Any: ...

def __getattr__(name: str) -> Any: ...
