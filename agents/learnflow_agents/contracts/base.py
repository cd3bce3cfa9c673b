"""The base model every contract shares."""

from pydantic import BaseModel, ConfigDict


class Contract(BaseModel):
    """Tolerates unknown fields so a consumer on 1.x reads messages from a newer 1.y."""

    model_config = ConfigDict(extra="ignore", frozen=False, use_enum_values=False)
