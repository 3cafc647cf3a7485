"""Where synthetic subjects come from: a few provinces, their counties, and the codes IDs carried earlier.

A resident ID's first six digits are the place of *first* registration, so somebody born in 安化 in 1978
carries 432326 (安化县 under the former 益阳地区), not 430923 (安化县 since 1994). The generator picks a
code that was valid in the birth year — the same rule :func:`check_id_number` warns about — so every
synthetic ID passes without a warning.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from stdnum.cn import ric
from stdnum.exceptions import ValidationError


@dataclass(frozen=True)
class County:
    """A county-level region (or a prefecture city registering companies itself)."""

    code: str
    name: str
    weight: int
    earlier: tuple[str, ...] = ()  # codes people born before a re-organisation carry

    @property
    def province(self) -> str:
        return self.code[:2] + "0000"


# Hunan dominates (the seeds are Hunan county policies); Guangdong 云浮 and a few big-city districts and
# Hubei give cross-region links. Weights are relative numbers of registered organisations.
COUNTIES: tuple[County, ...] = (
    County("430923", "安化县", 30, ("432326",)),
    County("430921", "南县", 6, ("432322",)),
    County("430922", "桃江县", 8, ("432325",)),
    County("430902", "资阳区", 5, ("432301",)),
    County("430903", "赫山区", 8, ("432321",)),
    County("430981", "沅江市", 6, ("432302", "432323")),
    County("430900", "益阳市", 4, ("432301",)),
    County("430102", "芙蓉区", 6),
    County("430104", "岳麓区", 6),
    County("430111", "雨花区", 6),
    County("430121", "长沙县", 6),
    County("430181", "浏阳市", 5),
    County("430302", "雨湖区", 3),
    County("430421", "衡阳县", 3),
    County("430523", "邵阳县", 3),
    County("430621", "岳阳县", 3),
    County("430721", "安乡县", 2),
    County("445300", "云浮市", 2, ("441281",)),
    County("445302", "云城区", 4, ("441227", "441281")),
    County("445321", "新兴县", 3, ("441228",)),
    County("445322", "郁南县", 2, ("441229",)),
    County("445381", "罗定市", 3, ("441230", "441282")),
    County("440106", "天河区", 5),
    County("440305", "南山区", 5),
    County("420106", "武昌区", 3),
    County("420111", "洪山区", 2),
)

PROVINCE_NAMES = {"430000": "湖南省", "440000": "广东省", "420000": "湖北省"}
PROVINCE_ABBREVIATIONS = {"430000": "湘", "440000": "粤", "420000": "鄂"}
CITY_NAMES = {
    "4309": "益阳市",
    "4301": "长沙市",
    "4303": "湘潭市",
    "4304": "衡阳市",
    "4305": "邵阳市",
    "4306": "岳阳市",
    "4307": "常德市",
    "4453": "云浮市",
    "4401": "广州市",
    "4403": "深圳市",
    "4201": "武汉市",
}
# An ID prefix valid for every birth year 1950-2005, used when no county code fits a birth year.
FALLBACK_PREFIX = "430121"


def city_name(code: str) -> str:
    return CITY_NAMES.get(code[:4], "")


@cache
def prefix_valid(prefix: str, year: int) -> bool:
    """Whether ``prefix`` was a place-of-registration code in ``year`` (per python-stdnum's table)."""
    try:
        ric.get_birth_place(f"{prefix}{year:04d}01010000")
    except ValidationError:
        return False
    return True


def id_prefix(county: County, year: int) -> str:
    """The place code a person from ``county`` born in ``year`` carries."""
    for prefix in (county.code, *county.earlier):
        if prefix_valid(prefix, year):
            return prefix
    return FALLBACK_PREFIX
