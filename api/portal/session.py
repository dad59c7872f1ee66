"""Signing in to the portal: the provider's API key, kept in an HttpOnly session cookie.

The key is checked on every request by the API's own ``authorize`` (same hash lookup, same
revocation, same rate limit) and the provider in the path by the API's own rule
(``AuthenticatedKey.can_read``). The cookie is ``HttpOnly`` (no script can read it),
``SameSite=Strict`` (never sent from another site), scoped to ``/portal``, ``Secure`` over
HTTPS, and has no expiry, so the browser drops it when the session ends. The key never appears
in a URL (docs/decisions/0902-provider-portal.md).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Path, Request, Response

from puntored.api.auth.keys import AuthenticatedKey
from puntored.api.dependencies import (
    PROVIDER_ID_PATTERN,
    SessionDep,
    StateDep,
    authorize,
    client_address,
    reading,
)
from puntored.api.errors import ApiProblem
from puntored.api.queries.providers import provider_exists

COOKIE_NAME = "puntored_portal_key"
COOKIE_PATH = "/portal"


class PortalSignInRequired(Exception):
    """No valid key in the session: the page answers with a redirect to the sign-in form."""


class PortalDenied(Exception):
    """A page the key may not see (another provider's, or over the rate limit)."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def _cookie_attributes(request: Request) -> dict[str, Any]:
    secure = request.url.scheme == "https"
    return {"path": COOKIE_PATH, "httponly": True, "samesite": "strict", "secure": secure}


def sign_in_response(response: Response, request: Request, key: str) -> Response:
    response.set_cookie(COOKIE_NAME, key, **_cookie_attributes(request))
    return response


def sign_out_response(response: Response, request: Request) -> Response:
    response.delete_cookie(COOKIE_NAME, **_cookie_attributes(request))
    return response


def check_key(
    request: Request, session: SessionDep, state: StateDep, presented: str | None
) -> AuthenticatedKey:
    """The API's authorisation of ``presented``, with the portal's answers to its refusals."""
    try:
        return authorize(session, state, presented, client_address(request))
    except ApiProblem as problem:
        if problem.status == 401:
            raise PortalSignInRequired from problem
        raise PortalDenied(
            problem.status, "Demasiadas solicitudes; espera unos segundos.", problem.headers
        ) from problem


def portal_key(request: Request, session: SessionDep, state: StateDep) -> AuthenticatedKey:
    return check_key(request, session, state, request.cookies.get(COOKIE_NAME))


PortalKeyDep = Annotated[AuthenticatedKey, Depends(portal_key)]


def portal_provider(
    provider_id: Annotated[str, Path(pattern=PROVIDER_ID_PATTERN)],
    key: PortalKeyDep,
    session: SessionDep,
) -> str:
    """The path's provider if the signed-in key may read it, as the API decides."""
    if not key.can_read(provider_id):
        raise PortalDenied(403, "Esta clave solo puede ver los datos de su propio proveedor.")
    if key.is_admin:
        with reading(session):
            known = provider_exists(session, provider_id)
        if not known:
            raise PortalDenied(404, f"No existe el proveedor «{provider_id}».")
    return provider_id


PortalProviderDep = Annotated[str, Depends(portal_provider)]


def same_origin(request: Request) -> bool:
    """A form post from this site (``Origin`` absent or ours): refuses login/logout CSRF."""
    origin = request.headers.get("origin")
    return origin is None or origin == f"{request.url.scheme}://{request.url.netloc}"
