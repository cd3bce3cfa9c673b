"""Who is calling: the hub verifies the caller's token; the gateway never trusts the body."""

import json
import logging
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from jupyterhub.services.auth import HubAuth
from tornado.httpclient import AsyncHTTPClient, HTTPClientError
from tornado.web import HTTPError

from learnflow_agents.gateway.config import GatewayConfig

log = logging.getLogger("learnflow.gateway.auth")

# Users whose groups are remembered (for auth_cache_seconds); the oldest goes first.
GROUPS_CACHE_SIZE = 10_000


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
            # HubAuth caches forever when told 0: a cache under a second is no cache here.
            cache_max_age=max(int(config.auth_cache_seconds), 1),
        )
        self._groups: dict[str, tuple[float, list[str]]] = {}
        self._members: dict[str, tuple[float, list[str]]] = {}

    async def authenticate(self, token: str, *, fresh: bool = False) -> Caller | None:
        """The user owning `token`, or None when the hub does not know it.

        `fresh` skips the cache, so a revoked token or role stops working at once.
        """
        if not token:
            return None
        try:
            use_cache = not fresh and self.config.auth_cache_seconds >= 1
            model = await self.hub_auth.user_for_token(token, use_cache=use_cache, sync=False)
        except HTTPError as err:
            # HubAuth says 500 when it cannot connect, 502 when the hub answers 5xx, 500
            # when the hub refuses the gateway's own token: none is the caller's fault.
            raise HubLookupError(f"the hub could not check a token: {err.log_message or err}") from err
        except OSError as err:
            raise HubLookupError(f"hub unreachable to check a token: {err}") from err
        if not model:
            return None
        if model.get("kind", "user") != "user":
            # A service token has no student behind it; services use their own APIs.
            log.warning("rejected a non-user token", extra={"kind": model.get("kind")})
            return None
        access = self.hub_auth.access_scopes  # access:services!service=<this service>
        if access and not self.hub_auth.check_scopes(access, model):
            # A token the user made for something else (`read:users:name` only), or the
            # OAuth token another hub service got when they logged into it: it may act for
            # them there, not here.
            log.warning("rejected a token without access to this service", extra={"user": model.get("name")})
            return None
        return Caller(name=model["name"], scopes=frozenset(model.get("scopes") or ()), token=token)

    async def user_groups(self, name: str, *, fresh: bool = False) -> list[str]:
        """The hub groups `name` belongs to (courses, the instructors' group).

        Asked with the gateway's own token (role scope `read:users:groups`), so the answer
        does not depend on what the caller's token may read. Cached like tokens unless `fresh`.
        """
        now = time.monotonic()
        cached = self._groups.get(name)
        if not fresh and cached is not None and cached[0] > now:
            return cached[1]
        model = await self._hub_get(f"users/{quote(name, safe='')}", f"the groups of {name!r}")
        if model is None:
            groups: list[str] = []  # deleted since their token was checked: no groups
        elif "groups" not in model:
            raise HubLookupError("the hub hid the user's groups: grant the gateway `read:users:groups`")
        else:
            groups = list(model["groups"] or ())
        self._groups[name] = (now + self.config.auth_cache_seconds, groups)
        if len(self._groups) > GROUPS_CACHE_SIZE:
            self._groups.pop(next(iter(self._groups)))
        return groups

    async def group_members(self, group: str) -> list[str]:
        """The members of a hub group (role scope `read:groups`); none if it does not exist.

        Cached like tokens: a dashboard asks for the same course groups on every refresh.
        """
        now = time.monotonic()
        cached = self._members.get(group)
        if cached is not None and cached[0] > now:
            return cached[1]
        model = await self._hub_get(f"groups/{quote(group, safe='')}", f"the members of {group!r}")
        members = sorted(model.get("users") or ()) if model else []
        self._members[group] = (now + self.config.auth_cache_seconds, members)
        if len(self._members) > GROUPS_CACHE_SIZE:
            self._members.pop(next(iter(self._members)))
        return members

    async def _hub_get(self, path: str, what: str) -> dict[str, Any] | None:
        """A hub API resource read with the gateway's token; None when the hub says 404."""
        url = f"{self.config.hub_api_url.rstrip('/')}/{path}"
        try:
            response = await AsyncHTTPClient().fetch(
                url, headers={"Authorization": f"token {self.config.api_token}"}, request_timeout=10
            )
        except HTTPClientError as err:
            if err.code == 404:
                return None
            raise HubLookupError(f"hub answered {err.code} to the look-up of {what}") from err
        except OSError as err:
            raise HubLookupError(f"hub unreachable for the look-up of {what}: {err}") from err
        data = json.loads(response.body)
        return data if isinstance(data, dict) else None
