"""The one Strawberry internal the gateway relies on still does what it did."""

from __future__ import annotations

from gateway.schema import schema


def test_enum_values_keep_the_descriptions_the_gateway_gives_them() -> None:
    sdl = schema.as_str()
    # gateway/schema/schools.py describes SchoolStatus.PROPOSED_TO_CLOSE this way.
    block = sdl[sdl.index("enum SchoolStatus") :]
    block = block[: block.index("}")]
    assert '"""Open, but proposed to close."""\n  PROPOSED_TO_CLOSE' in block
