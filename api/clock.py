"""The one clock of the API: routers take "now" and "today" as dependencies, so tests can set the day.

Deadlines (feedback by the 22nd, 20 days to verify a dispute, expiry after ``valid_until``) are decided on
boundary days; tests replace :func:`now` (``app.dependency_overrides[now] = lambda: fixed``) to put the
service on exactly those days. Days are the server's local calendar days (run it with
``TZ=Asia/Shanghai``): a deadline falls at local midnight, not at 08:00 Beijing time.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import Depends


async def now() -> dt.datetime:
    """The current instant in the server's time zone (aware): its ``date()`` is the local day."""
    return dt.datetime.now().astimezone()


NowDep = Annotated[dt.datetime, Depends(now)]


async def today(at: NowDep) -> dt.date:
    """The calendar day of :func:`now`: the day deadlines and validity are judged on."""
    return at.date()


TodayDep = Annotated[dt.date, Depends(today)]
