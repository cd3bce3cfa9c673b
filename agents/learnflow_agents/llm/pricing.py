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


def cost_usd(
    tokens_in: float, tokens_out: int, prices: tuple[float, float], cache_read: int = 0, cache_write: int = 0
) -> float:
    billed = (
        billed_input_tokens(int(tokens_in), cache_read, cache_write)
        if cache_read or cache_write
        else tokens_in
    )
    return round((billed * prices[0] + tokens_out * prices[1]) / 1_000_000, 6)


# Prompt caching, as multiples of the input price: a cache read, a 5-minute cache write.
CACHE_READ_FACTOR = 0.1
CACHE_WRITE_FACTOR = 1.25


def billed_input_tokens(tokens_in: int, cache_read: int, cache_write: int) -> float:
    """Input tokens as billed: cache reads at a tenth of the price, cache writes at 1.25 times."""
    plain = max(tokens_in - cache_read - cache_write, 0)
    return plain + cache_read * CACHE_READ_FACTOR + cache_write * CACHE_WRITE_FACTOR
