"""The shared machinery every agent runs on: handler contract, runner, outbox relay, engine."""
