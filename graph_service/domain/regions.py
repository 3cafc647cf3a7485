"""Administrative regions (GB/T 2260), derived from the 6-digit code alone — no external data needed."""

from __future__ import annotations

from enum import StrEnum


class RegionLevel(StrEnum):
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"


def region_level(code: str) -> RegionLevel:
    """``430000`` is a province, ``430900`` a city (prefecture), anything else a county-level unit."""
    if code.endswith("0000"):
        return RegionLevel.PROVINCE
    if code.endswith("00"):
        return RegionLevel.CITY
    return RegionLevel.COUNTY


def region_parent(code: str) -> str | None:
    """The region one level up (county -> city -> province), or None for a province."""
    level = region_level(code)
    if level is RegionLevel.PROVINCE:
        return None
    if level is RegionLevel.CITY:
        return code[:2] + "0000"
    return code[:4] + "00"


def region_chain(code: str) -> list[str]:
    """The region and all its ancestors, innermost first."""
    chain = [code]
    parent = region_parent(code)
    while parent is not None:
        chain.append(parent)
        parent = region_parent(parent)
    return chain
