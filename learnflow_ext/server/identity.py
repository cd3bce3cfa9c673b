"""Who is asking: the server's authenticated user, never a field of the request.

Jupyter's built-in identity providers (token or password login) do not identify a person:
each token-authenticated request without a cookie gets a fresh random "Anonymous" user.
In such a server everyone holding the token is its owner, so the owner's id is used
(configured, else $LEARNFLOW_STUDENT_ID, $JUPYTERHUB_USER, the login name). A server
whose identity provider does name users (JupyterHub's) uses their username.
"""

import re

from jupyter_server.auth.identity import (
    IdentityProvider,
    LegacyIdentityProvider,
    PasswordIdentityProvider,
    User,
)

_UNSAFE = re.compile(r"[^A-Za-z0-9_.@+\-]")

# Exactly these classes: a subclass may well identify users.
ANONYMOUS_PROVIDERS = (IdentityProvider, PasswordIdentityProvider, LegacyIdentityProvider)


def clean_student_id(raw: str) -> str:
    """The envelope's student id alphabet, 128 characters at most."""
    return _UNSAFE.sub("_", raw)[:128] or "student"


def identifies_users(provider: IdentityProvider) -> bool:
    return type(provider) not in ANONYMOUS_PROVIDERS


def student_id_for(user: User, provider: IdentityProvider, owner: str, identity: str) -> str:
    """`identity` is the extension's setting: 'user', 'owner' or 'auto'."""
    use_user = identity == "user" or (identity == "auto" and identifies_users(provider))
    return clean_student_id(user.username if use_user else owner)
