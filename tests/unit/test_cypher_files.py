"""The statements are sent without their comments and layout, and otherwise exactly as written."""

from __future__ import annotations

from importlib.resources import files

import pytest

import cypher
from cypher import compact, query, source

NAMES = sorted(
    entry.name.removesuffix(".cypher") for entry in files(cypher).iterdir() if entry.name.endswith(".cypher")
)


def test_comments_and_layout_are_not_sent() -> None:
    text = "// a header\nMATCH (n:Subject)  // the node\n  /* a\n block */ WHERE n.key = $key\n\tRETURN n\n"

    assert compact(text) == "MATCH (n:Subject) WHERE n.key = $key RETURN n"


def test_quoted_text_is_copied_unchanged() -> None:
    text = "RETURN 'a // b  c' AS x, \"it's  /* here */\" AS y, `odd  name` AS z, 'don\\'t  // stop' AS w"

    assert compact(text) == text


def test_a_comment_still_separates_the_tokens_around_it() -> None:
    assert compact("RETURN 1 AS/* gone */one//tail\nLIMIT 1") == "RETURN 1 AS one LIMIT 1"


@pytest.mark.parametrize("text", ["RETURN 'open", "RETURN 1 /* open"])
def test_an_unterminated_token_is_an_error_not_a_truncated_statement(text: str) -> None:
    with pytest.raises(ValueError, match="unterminated"):
        compact(text)


@pytest.mark.parametrize("name", NAMES)
def test_every_statement_is_its_source_less_comments_and_layout(name: str) -> None:
    sent = query(name)
    written = source(name)
    code_lines = [line.split("//", 1)[0] for line in written.splitlines()]  # no file has // in a string

    assert "//" not in sent and "\n" not in sent and "  " not in sent
    assert sent.split() == " ".join(code_lines).split()
    assert compact(sent) == sent


def test_a_multi_statement_file_splits_into_its_statements() -> None:
    found = cypher.statements("schema")

    assert found and all(s and ";" not in s and "//" not in s for s in found), found
    assert len(found) == source("schema").count(";")


UNROLLED = """MATCH (s {key: $key})
// level 1
CALL (s) { RETURN 1 AS one }
// level 2
CALL (s) { RETURN 2 AS two }
// end of levels
RETURN s
"""


@pytest.mark.parametrize(
    ("levels", "kept"),
    [(0, []), (1, ["one"]), (2, ["one", "two"])],
)
def test_an_unrolled_statement_keeps_its_first_levels_and_what_follows_them(
    levels: int, kept: list[str]
) -> None:
    text = cypher.unrolled(UNROLLED, levels)

    assert [name for name in ("one", "two") if f"AS {name}" in text] == kept
    assert text.startswith("MATCH (s {key: $key})\n") and text.endswith("// end of levels\nRETURN s\n")


@pytest.mark.parametrize(
    ("text", "levels"),
    [
        ("MATCH (n) RETURN n", 0),  # no levels
        (UNROLLED.replace("// end of levels\n", ""), 1),  # the last level not closed
        (UNROLLED.replace("// level 2", "// level 3"), 1),  # levels out of order
        (UNROLLED, 3),  # deeper than written
        (UNROLLED, -1),
    ],
)
def test_a_statement_is_unrolled_only_as_far_as_its_marked_levels_go(text: str, levels: int) -> None:
    with pytest.raises(ValueError):
        cypher.unrolled(text, levels)


@pytest.mark.parametrize("name", ["get_check_view", "get_check_views"])
def test_the_check_statements_sent_for_a_depth_walk_that_many_levels(name: str) -> None:
    levels = {depth: query(f"{name}@{depth}").count("CALL (frontier, seen)") for depth in range(5)}

    assert levels == {0: 0, 1: 1, 2: 2, 3: 3, 4: 4}, levels
    assert query(f"{name}@4") == query(name)
    assert all(query(f"{name}@{depth}").endswith(query(name)[-60:]) for depth in range(4))
