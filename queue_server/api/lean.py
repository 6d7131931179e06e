"""A route class for the hottest routes: the same contract, without FastAPI's per-request solving.

FastAPI solves a route's parameters on every request by walking its whole dependency tree
(path, query, header, cookie and body parameters, each looked up, cached and validated through
generic code), which cost a ticket's issue more of the event loop's time than its service. A
``LeanRoute`` plans once, when the route is built, for the shapes the hall's busy routes have:

- path parameters: a plain ``str`` as it is (FastAPI's validation would change nothing), any other
  (a row id) validated by its FastAPI field;
- header parameters, validated by their own FastAPI field (so ``max_length`` still holds);
- at most one JSON body, a single model validated by its FastAPI field as FastAPI would
  (the request guard has already parsed it strictly, so it is known to be valid JSON);
- dependencies from ``deps``: the runtime and the caller (required or optional);
- the request itself, or a response the endpoint sets its status on (FastAPI's sub-response);
- an ``async`` endpoint whose result is serialised by the same response field and function.

Any request the plan does not cover — a body missing, of another content type or failing
validation, a header failing its constraint — goes to FastAPI's own handler with the body read
so far, so every error keeps exactly FastAPI's shape, code and messages. A route of any other
shape is left to FastAPI entirely. The OpenAPI schema comes from the route's declaration, as before.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import orjson
from fastapi import params
from fastapi.datastructures import DefaultPlaceholder
from fastapi.routing import APIRoute, serialize_response
from fastapi.utils import is_body_allowed_for_status_code
from starlette.requests import Request
from starlette.responses import Response

from queue_server.api import deps
from queue_server.api.guard import replay

Handler = Callable[[Request], Coroutine[Any, Any, Response]]

# The dependencies a lean route may have, each given the request (and the runtime when it asks).
_KNOWN: dict[Any, Callable[[Request], Coroutine[Any, Any, Any]]] = {
    deps.get_runtime: deps.get_runtime,
    deps.required_actor: deps.required_actor,
    deps.optional_actor: lambda request: deps.optional_actor(request, request.app.state.runtime),
}


@dataclass(frozen=True)
class _Plan:
    """What a request of the route needs, found once."""

    path: tuple[tuple[str, Any], ...]  # (parameter, FastAPI field to validate it by, or None)
    request: str | None  # the parameter given the request itself, if any
    response: str | None  # the parameter given a response to set the status or headers on
    headers: tuple[tuple[str, str, Any, Any], ...]  # (parameter, header name, FastAPI field, default)
    body: tuple[str, Any, bool] | None  # (parameter, FastAPI field, required)
    dependencies: tuple[tuple[str, Callable[[Request], Coroutine[Any, Any, Any]]], ...]


def _plan(route: APIRoute) -> _Plan | None:
    """The route's plan, or None when its shape is not one a lean route handles."""
    dependant = route.dependant
    call = dependant.call
    if call is None or not inspect.iscoroutinefunction(call):
        return None
    if dependant.query_params or dependant.cookie_params:
        return None
    if dependant.websocket_param_name or dependant.http_connection_param_name:
        return None
    if dependant.background_tasks_param_name:
        return None
    if dependant.security_scopes_param_name:
        return None
    if route.response_field is None or not isinstance(route.response_class, DefaultPlaceholder):
        return None  # FastAPI serialises other responses another way
    if route.status_code is not None and not is_body_allowed_for_status_code(route.status_code):
        return None
    dependencies = []
    for sub in dependant.dependencies:
        if sub.call not in _KNOWN or sub.name is None or not sub.use_cache:
            return None
        # the optional caller asks for the runtime, which its stand-in gets itself
        if [inner.call for inner in sub.dependencies] not in ([], [deps.get_runtime]):
            return None
        dependencies.append((sub.name, _KNOWN[sub.call]))
    body = None
    if dependant.body_params:
        if len(dependant.body_params) != 1 or route._embed_body_fields:
            return None
        field = dependant.body_params[0]
        info = field.field_info
        if isinstance(info, (params.Form, params.File)) or getattr(info, "embed", False):
            return None
        body = (field.name, field, field.field_info.is_required())
    headers = []
    for field in dependant.header_params:
        if field.field_info.is_required() or not getattr(field.field_info, "convert_underscores", True):
            return None
        headers.append((field.name, field.alias.replace("_", "-"), field, _default(field)))
    return _Plan(
        path=tuple((field.name, _path_field(field)) for field in dependant.path_params),
        request=dependant.request_param_name,
        response=dependant.response_param_name,
        headers=tuple(headers),
        body=body,
        dependencies=tuple(dependencies),
    )


def _path_field(field: Any) -> Any:
    """The field a path parameter is validated by; None for a plain ``str``, which FastAPI's
    validation would hand over as it is."""
    plain = field.field_info.annotation is str and not field.field_info.metadata
    return None if plain else field


_IMMUTABLE = (type(None), bool, int, float, str, bytes)
_ASK = object()  # a default to ask the field for on each request (one that may be changed in place)


def _default(field: Any) -> Any:
    """A header's default, found once when nothing can change it (``None``, a number, a string):
    the field's ``get_default`` deep-copies it, which cost each issue more than its header check."""
    info = field.field_info
    if info.default_factory is None and isinstance(info.default, _IMMUTABLE):
        return info.default
    return _ASK


def _is_json(content_type: str | None) -> bool:
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    return kind.startswith("application/") and (kind == "application/json" or kind.endswith("+json"))


def _replayed(request: Request, body: bytes) -> Request:
    """The request again, for FastAPI's handler, with the body already read."""
    return Request(request.scope, replay(body, request.receive))


class LeanRoute(APIRoute):
    """An ``APIRoute`` that answers the requests its plan covers without FastAPI's solving."""

    def get_route_handler(self) -> Handler:
        full = super().get_route_handler()
        plan = _plan(self)
        if plan is None:
            return full
        call = self.dependant.call
        assert call is not None
        status_code = self.status_code
        serialize = functools.partial(
            serialize_response,
            field=self.response_field,
            include=self.response_model_include,
            exclude=self.response_model_exclude,
            by_alias=self.response_model_by_alias,
            exclude_unset=self.response_model_exclude_unset,
            exclude_defaults=self.response_model_exclude_defaults,
            exclude_none=self.response_model_exclude_none,
            dump_json=True,
        )

        async def handler(request: Request) -> Response:
            if getattr(request.app, "dependency_overrides", None):
                return await full(request)  # a test's stand-ins are FastAPI's to solve
            values: dict[str, Any] = {}
            body = b""
            if plan.body is not None:
                name, body_field, required = plan.body
                body = await request.body()
                if body and _is_json(request.headers.get("content-type")):
                    try:
                        parsed = orjson.loads(body)
                    except orjson.JSONDecodeError:  # the guard refuses these first; FastAPI's words
                        return await full(_replayed(request, body))
                    value, errors = body_field.validate(parsed, values, loc=("body",))
                    if errors:
                        return await full(_replayed(request, body))
                    values[name] = value
                elif body or required:
                    return await full(_replayed(request, body))
                else:
                    values[name] = body_field.get_default()
            if plan.headers:
                raw = request.headers
                for name, header, header_field, default in plan.headers:
                    given = raw.get(header)
                    if given is None:
                        values[name] = header_field.get_default() if default is _ASK else default
                        continue
                    value, errors = header_field.validate(given, values, loc=("header", header))
                    if errors:
                        return await full(_replayed(request, body))
                    values[name] = value
            path_params = request.path_params
            for name, path_field in plan.path:
                if path_field is None:
                    values[name] = path_params[name]
                    continue
                value, errors = path_field.validate(path_params[name], values, loc=("path", name))
                if errors:
                    return await full(_replayed(request, body))
                values[name] = value
            sub_response = None
            if plan.response is not None:  # as FastAPI makes it: no status, no length of its own
                sub_response = Response()
                del sub_response.headers["content-length"]
                sub_response.status_code = None  # type: ignore[assignment]
                values[plan.response] = sub_response
            if plan.request is not None:
                values[plan.request] = request
            for name, dependency in plan.dependencies:
                values[name] = await dependency(request)
            result = await call(**values)
            if isinstance(result, Response):
                return result
            content = await serialize(response_content=result)
            status = status_code or 200
            if sub_response is not None and sub_response.status_code:
                status = sub_response.status_code
            response = Response(content=content, media_type="application/json", status_code=status)
            if not is_body_allowed_for_status_code(response.status_code):
                response.body = b""
            if sub_response is not None:
                response.headers.raw.extend(sub_response.headers.raw)
            return response

        return handler
