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
