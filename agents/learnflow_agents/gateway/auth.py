"""Who is calling: the hub verifies the caller's token; the gateway never trusts the body."""

import json
import logging
from dataclasses import dataclass
from urllib.parse import quote

from jupyterhub.services.auth import HubAuth
from tornado.httpclient import AsyncHTTPClient, HTTPClientError

from learnflow_agents.gateway.config import GatewayConfig

log = logging.getLogger("learnflow.gateway.auth")


class HubLookupError(RuntimeError):
    """The hub could not answer a look-up the gateway needs (misconfiguration or outage)."""


@dataclass(frozen=True)
class Caller:
    """A hub user whose token the hub has verified; `name` is the student id."""

    name: str
    scopes: frozenset[str]
    token: str


class HubIdentity:
    def __init__(self, config: GatewayConfig) -> None:
        self.config = config
        self.hub_auth = HubAuth(
            api_url=config.hub_api_url,
            api_token=config.api_token,
            cache_max_age=int(config.auth_cache_seconds),
        )

    async def authenticate(self, token: str, *, fresh: bool = False) -> Caller | None:
        """The user owning `token`, or None when the hub does not know it.

        `fresh` skips the cache, so a revoked token or role stops working at once.
        """
        if not token:
            return None
        model = await self.hub_auth.user_for_token(token, use_cache=not fresh, sync=False)
        if not model:
            return None
        if model.get("kind", "user") != "user":
            # A service token has no student behind it; services use their own APIs.
            log.warning("rejected a non-user token", extra={"kind": model.get("kind")})
            return None
        return Caller(name=model["name"], scopes=frozenset(model.get("scopes") or ()), token=token)

    async def is_instructor(self, caller: Caller) -> bool:
        """The configured scope on the caller's own token, or membership of the configured group."""
        scope = self.config.instructor_scope
        if scope and scope in caller.scopes:
            return True
        group = self.config.instructor_group
        if not group:
            return False
        return caller.name in await self.group_members(group)

    async def group_members(self, group: str) -> set[str]:
        # Asked with the gateway's own token (role scope `read:groups!group=<group>`), so the
        # answer does not depend on what the student's token may read.
        url = f"{self.config.hub_api_url.rstrip('/')}/groups/{quote(group, safe='')}"
        try:
            response = await AsyncHTTPClient().fetch(
                url, headers={"Authorization": f"token {self.config.api_token}"}, request_timeout=10
            )
        except HTTPClientError as err:
            if err.code == 404:
                return set()  # no such group (or not visible to us): nobody is an instructor by it
            raise HubLookupError(f"hub answered {err.code} to the group look-up for {group!r}") from err
        except OSError as err:
            raise HubLookupError(f"hub unreachable for the group look-up: {err}") from err
        return set(json.loads(response.body).get("users") or ())
