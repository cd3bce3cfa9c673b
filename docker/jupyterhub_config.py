"""JupyterHub for docker-compose: any user name logs in (DummyAuthenticator, dev only),
`teacher` is an instructor, and the gateway container is registered as a service.

No course groups are loaded, so the demo is one class: `teacher` (in no course group) sees
every student who logs in. Add groups `course-<id>` to split it into courses."""

import os

c = get_config()  # type: ignore[name-defined]  # noqa: F821 - provided by JupyterHub

c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = os.environ.get("DUMMY_PASSWORD", "learnflow")
c.Authenticator.allow_all = True
c.JupyterHub.spawner_class = "simple"  # one process per user in this container
c.Spawner.default_url = "/lab"
c.JupyterHub.hub_ip = "0.0.0.0"
c.JupyterHub.hub_connect_ip = "hub"

c.JupyterHub.custom_scopes = {
    "custom:learnflow:instruct": {"description": "See the LearnFlow class dashboard"},
}
c.JupyterHub.services = [
    {
        "name": "learnflow",
        "url": "http://gateway:8000",
        "api_token": os.environ["LEARNFLOW_GATEWAY_HUB_TOKEN"],
        "display": False,
        "oauth_no_confirm": True,
    }
]
c.JupyterHub.load_groups = {"learnflow-instructors": {"users": ["teacher"]}}
c.JupyterHub.load_roles = [
    {
        "name": "learnflow-gateway",
        "scopes": ["read:users:groups", "read:groups"],
        "services": ["learnflow"],
    },
    {"name": "user", "scopes": ["self", "access:services!service=learnflow"]},
]
# Users' servers reach the gateway through the hub's proxy, with their own token only.
c.Spawner.environment = {"LEARNFLOW_GATEWAY_URL": "http://127.0.0.1:8000/services/learnflow/"}
# The servers' own token (what the dashboard sends to the gateway) carries the instructor scope
# for users who hold it; JupyterHub grants each user only the part they hold.
c.Spawner.server_token_scopes = [
    "users:activity!user",
    "access:servers!server",
    "access:services!service=learnflow",
    "custom:learnflow:instruct",
]
