"""Errors as RFC 9457 ``application/problem+json``: a status, a title, and a detail a client's
developer can act on. Nothing personal goes into a detail."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from asterisk_bridge.errors import (
    DeniedError,
    HeldError,
    NotFoundError,
    ValidationError,
    VocoError,
)

MEDIA_TYPE = "application/problem+json"
TITLES = {400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found",
          405: "Method not allowed", 409: "Conflict", 422: "Invalid parameters",
          429: "Too many requests", 500: "Internal error", 503: "Unavailable"}


class ApiProblem(Exception):
    """An error the API answers with as it is."""

    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail, self.headers = status, detail, headers or {}


def problem(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """The response for one problem."""
    body = {"type": "about:blank", "title": TITLES.get(status, "Error"), "status": status,
            "detail": detail}
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def status_of(err: VocoError) -> int:
    """The HTTP status a Voco error maps to (a NotFoundError is a ValidationError: check it
    first)."""
    if isinstance(err, NotFoundError):
        return 404
    if isinstance(err, ValidationError):
        return 400
    if isinstance(err, HeldError):
        return 409
    if isinstance(err, DeniedError):
        return 403
    return 503


#: The schema of a problem document, for the OpenAPI description of every error response.
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["title", "status", "detail"],
    "properties": {"type": {"type": "string"}, "title": {"type": "string"},
                   "status": {"type": "integer"}, "detail": {"type": "string"}}}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` entry of a route that can answer with these problem statuses."""
    return {code: {"description": TITLES[code],
                   "content": {MEDIA_TYPE: {"schema": PROBLEM_SCHEMA}}} for code in codes}


def install(api: FastAPI) -> None:
    """Answer every error, including FastAPI's own, as problem+json."""

    async def on_problem(_req: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiProblem)
        return problem(exc.status, exc.detail, exc.headers)

    async def on_voco(_req: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, VocoError)
        return problem(status_of(exc), str(exc))

    async def on_http(_req: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        return problem(exc.status_code, str(exc.detail), dict(exc.headers or {}))

    async def on_invalid(_req: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        parts = [f"{'.'.join(str(p) for p in e['loc'][1:]) or e['loc'][0]}: {e['msg']}"
                 for e in exc.errors()]
        return problem(422, "; ".join(parts))

    api.add_exception_handler(ApiProblem, on_problem)
    api.add_exception_handler(VocoError, on_voco)
    api.add_exception_handler(HTTPException, on_http)
    api.add_exception_handler(RequestValidationError, on_invalid)
