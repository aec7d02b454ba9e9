"""The ASGI application: FastAPI with one router per domain, problem+json errors, and the
OpenAPI document generated from the code (served at ``/openapi.json``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from asterisk_bridge.api import problems
from asterisk_bridge.api.access import ApiState
from asterisk_bridge.api.routers import calls, cdr, recordings
from asterisk_bridge.context import App
from asterisk_bridge.notifications.hosted import serving

ROUTERS = (cdr.router, calls.router, recordings.router)


def create_api(app: App) -> FastAPI:
    """The API over one installation. While it serves, a notifier of its own delivers what its
    requests raise (a grant used from a new address): the bridge's runs in another process."""

    @asynccontextmanager
    async def lifespan(_api: FastAPI) -> AsyncIterator[None]:
        async with serving(app):
            yield

    api = FastAPI(title="Voco", version="1", docs_url=None, redoc_url=None, lifespan=lifespan,
                  description="CDRs, calls and recordings for an authorised party. Every "
                              "request needs a bearer token from 'voco api token add'; errors "
                              "are application/problem+json.")
    api.state.voco = ApiState(app)
    problems.install(api)
    for router in ROUTERS:
        api.include_router(router)
    return api
