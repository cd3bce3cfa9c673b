"""What a query cost: list prices per million tokens by Claude family, overridable in settings.

Prices change; these are defaults for the cost column, not billing. Unknown models (a
local vLLM, say) cost 0 unless an administrator sets prices.
"""

FAMILY_PRICES_PER_MTOK: dict[str, tuple[float, float]] = {
    "opus": (5.0, 25.0),
    "sonnet": (3.0, 15.0),
    "haiku": (1.0, 5.0),
}


def prices_for(
    model: str, input_override: float | None, output_override: float | None
) -> tuple[float, float]:
    base = next((p for family, p in FAMILY_PRICES_PER_MTOK.items() if family in model.lower()), (0.0, 0.0))
    return (
        base[0] if input_override is None else input_override,
        base[1] if output_override is None else output_override,
    )


def cost_usd(tokens_in: int, tokens_out: int, prices: tuple[float, float]) -> float:
    return round((tokens_in * prices[0] + tokens_out * prices[1]) / 1_000_000, 6)
