"""The ASGI application: FastAPI with one router per domain, problem+json errors, and the
OpenAPI document generated from the code (served at ``/openapi.json``)."""

from __future__ import annotations

from fastapi import FastAPI

from asterisk_bridge.api import problems
from asterisk_bridge.api.access import ApiState
from asterisk_bridge.api.routers import calls, cdr, recordings
from asterisk_bridge.context import App

ROUTERS = (cdr.router, calls.router, recordings.router)


def create_api(app: App) -> FastAPI:
    """The API over one installation."""
    api = FastAPI(title="Voco", version="1", docs_url=None, redoc_url=None,
                  description="CDRs, calls and recordings for an authorised party. Every "
                              "request needs a bearer token from 'voco api token add'; errors "
                              "are application/problem+json.")
    api.state.voco = ApiState(app)
    problems.install(api)
    for router in ROUTERS:
        api.include_router(router)
    return api
