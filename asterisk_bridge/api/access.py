"""Who may make a request: the bearer token checked against its grant on every request
(open, from a permitted address, within its rate and its scopes), where the grant was used from
(a new address is notified), and the operation-log entry each data access leaves, with the
token's name and the client's address."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from asterisk_bridge.api.problems import ApiProblem
from asterisk_bridge.api.ratelimit import RateLimiter
from asterisk_bridge.api.tokens import Caller, Refused, authenticate
from asterisk_bridge.context import App
from asterisk_bridge.grants.addresses import note_use

bearer = HTTPBearer(auto_error=False, description="A token from 'voco api token add'.")


@dataclass
class ApiState:
    """What every request shares: the installation, the rate limiter, and the addresses each
    grant is known to have come from (so only a first use asks the store)."""

    app: App
    limiter: RateLimiter = field(default_factory=RateLimiter)
    known: set[tuple[int, str]] = field(default_factory=set)

    def used_from(self, caller: Caller) -> None:
        """Note where the grant was used from; a new address raises grant_new_address."""
        if (caller.grant_id, caller.client) in self.known:
            return
        note_use(self.app.engine, caller.grant_id, "api", caller.name, caller.client)
        self.known.add((caller.grant_id, caller.client))

    def log(self, caller: Caller, what: str, details: Mapping[str, Any], result: str = "ok",
            message: str = "") -> None:
        """One operation-log entry for a data access through the API."""
        self.app.record(f"api {what}", {"grant": caller.grant_id, "name": caller.name,
                                        "client": caller.client, **details}, result, message,
                        actor=f"api token {caller.name}")


def api_state(request: Request) -> ApiState:
    """The shared state of the running API."""
    state: ApiState = request.app.state.voco
    return state


State = Annotated[ApiState, Depends(api_state)]


def require(scope: str) -> Any:
    """A dependency admitting only a caller whose token holds *scope*."""

    def admit(request: Request, state: State,
              cred: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]) -> Caller:
        if cred is None or cred.scheme.lower() != "bearer":
            raise ApiProblem(401, "send 'Authorization: Bearer <token>'",
                             {"WWW-Authenticate": "Bearer"})
        client = request.client.host if request.client else ""
        try:
            with state.app.engine.connect() as conn:
                caller = authenticate(conn, cred.credentials, client)
        except Refused as refused:
            raise ApiProblem(refused.status, refused.detail,
                             {"WWW-Authenticate": "Bearer"} if refused.status == 401 else None
                             ) from None
        state.used_from(caller)
        wait = state.limiter.allow(caller.grant_id, caller.rate_per_minute)
        if wait:
            raise ApiProblem(429, f"rate limit of {caller.rate_per_minute} requests a minute "
                             "reached", {"Retry-After": str(math.ceil(wait))})
        if scope not in caller.scopes:
            raise ApiProblem(403, f"this token lacks the scope {scope}")
        return caller

    return Depends(admit)

