"""flask-smorest ships no types: its decorators return the view they wrap, typed as given.

Partial: what the exchange calls is declared; any other name is Any, as it was untyped.
"""

from collections.abc import Callable, Mapping, Sequence
from http import HTTPStatus
from typing import Any, TypeVar

from apispec import APISpec
from flask import Blueprint as FlaskBlueprint
from flask import Flask

_View = TypeVar("_View", bound=Callable[..., Any])
_Status = int | str | HTTPStatus

class Blueprint(FlaskBlueprint):
    ARGUMENTS_PARSER: Any
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING: dict[str, str]
    description: str
    def __init__(self, *args: Any, description: str = ..., **kwargs: Any) -> None: ...
    def route(
        self,
        rule: str,
        *,
        parameters: Sequence[Any] | None = None,
        tags: Sequence[str] | None = None,
        **options: Any,
    ) -> Callable[[_View], _View]: ...
    def arguments(
        self,
        schema: Any,
        *,
        location: str = "json",
        content_type: str | None = None,
        required: bool = True,
        description: str | None = None,
        example: Any = None,
        examples: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> Callable[[_View], _View]: ...
    def response(
        self,
        status_code: _Status,
        schema: Any = None,
        *,
        content_type: str | None = None,
        description: str | None = None,
        example: Any = None,
        examples: Mapping[str, Any] | None = None,
        headers: Mapping[str, Any] | None = None,
    ) -> Callable[[_View], _View]: ...
    def alt_response(
        self,
        status_code: _Status,
        response: Any = None,
        *,
        schema: Any = None,
        content_type: str | None = None,
        description: str | None = None,
        example: Any = None,
        examples: Mapping[str, Any] | None = None,
        headers: Mapping[str, Any] | None = None,
        success: bool = False,
    ) -> Callable[[_View], _View]: ...
    @staticmethod
    def doc(**kwargs: Any) -> Callable[[_View], _View]: ...
    def paginate(
        self,
        pager: Any = None,
        *,
        page: int | None = None,
        page_size: int | None = None,
        max_page_size: int | None = None,
    ) -> Callable[[_View], _View]: ...
    def etag(self, obj: _View) -> _View: ...
    def register_views_in_doc(
        self, api: Api, app: Flask, spec: APISpec, *, name: str, parameters: Any
    ) -> None: ...
    def __getattr__(self, name: str) -> Any: ...

class Api:
    ERROR_SCHEMA: Any
    DEFAULT_ERROR_RESPONSE_NAME: str
    ma_plugin: Any
    _app: Flask
    def __init__(
        self,
        app: Flask | None = None,
        *,
        spec_kwargs: Mapping[str, Any] | None = None,
        config_prefix: str = "",
    ) -> None: ...
    def init_app(self, app: Flask, *, spec_kwargs: Mapping[str, Any] | None = None) -> None: ...
    def register_blueprint(
        self, blp: Blueprint, *, parameters: Any = None, **options: Any
    ) -> None: ...
    def _init_spec(self, **kwargs: Any) -> None: ...
    def _register_responses(self) -> None: ...
    def __getattr__(self, name: str) -> Any: ...

def __getattr__(name: str) -> Any: ...
