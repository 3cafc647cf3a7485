"""docs/security.md's roles table is the access table of tests/api/test_access_control.py, not a copy.

The table between the ``roles-table`` markers is generated from ``TABLE``; a route added, removed or
given other roles fails this test with the regenerated table to paste. Print it with::

    .venv/bin/python -m tests.api.test_security_doc
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.api.security_support import ROLES
from tests.api.test_access_control import OPEN, TABLE

DOC = Path(__file__).resolve().parents[2] / "docs" / "security.md"
START, END = "<!-- roles-table:start -->", "<!-- roles-table:end -->"


def roles_table() -> str:
    """The Markdown roles table: one row per protected route, a ✓ per role allowed; open routes after it."""
    lines = [
        "| endpoint | " + " | ".join(f"`{role}`" for role in ROLES) + " |",
        "|---|" + "---|" * len(ROLES),
    ]
    open_routes = []
    for (method, route), call in sorted(TABLE.items(), key=lambda item: (item[0][1], item[0][0])):
        if call.allowed is OPEN:
            open_routes.append(f"`{method} {route}`")
            continue
        marks = " | ".join("✓" if role in call.allowed else "" for role in ROLES)
        lines.append(f"| `{method} {route}` | {marks} |")
    lines += ["", "Open without a key: " + ", ".join(open_routes) + "."]
    return "\n".join(lines)


def test_the_roles_table_in_docs_security_is_the_access_table() -> None:
    text = DOC.read_text(encoding="utf-8")
    found = re.search(re.escape(START) + r"\n(.*?)\n" + re.escape(END), text, re.DOTALL)
    assert found is not None, f"{DOC} has no {START} … {END} block"
    expected = roles_table()
    assert found.group(1) == expected, f"docs/security.md's roles table is stale; paste this:\n{expected}"


if __name__ == "__main__":
    print(roles_table())
