"""The message bus: one small interface, `memory://` and `kafka://` implementations."""

from learnflow_agents.bus.base import Bus, BusUnavailable, Consumer, Record, TopicPartition
from learnflow_agents.bus.factory import create_bus

__all__ = ["Bus", "BusUnavailable", "Consumer", "Record", "TopicPartition", "create_bus"]
