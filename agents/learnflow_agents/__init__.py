"""LearnFlow tutor agents: contracts, bus, store, runner, engine and CLI."""

__version__ = "0.1.0"
