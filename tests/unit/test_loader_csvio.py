"""Reading source files: encodings (UTF-8, BOM, GBK/GB18030), headers, malformed records, JSON lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from loaders.csvio import BadRecord, IssueWriter, RowStream, SourceError, normalise_header, resolve_encoding
from tests.unit.loader_support import read_issues, write

TEXT = "uscc,name\n91430923MA4L2B3C1J,安化县梅山黑茶有限公司\n"


def rows(path: Path, encoding: str) -> list[tuple[int, object]]:
    with RowStream(path, encoding) as stream:
        return list(stream)


def test_auto_reads_plain_utf8_as_utf8(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", TEXT)
    assert resolve_encoding(path, "auto") == "utf-8"
    assert rows(path, "utf-8") == [(2, {"uscc": "91430923MA4L2B3C1J", "name": "安化县梅山黑茶有限公司"})]


def test_a_utf8_bom_is_not_part_of_the_first_column_name(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", TEXT, encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    encoding = resolve_encoding(path, "auto")
    with RowStream(path, encoding) as stream:
        assert stream.header.columns == ("uscc", "name"), stream.header


def test_auto_falls_back_to_gb18030_for_a_gbk_file(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", TEXT, encoding="gbk")
    assert resolve_encoding(path, "auto") == "gb18030"
    assert rows(path, "gb18030")[0][1] == {"uscc": "91430923MA4L2B3C1J", "name": "安化县梅山黑茶有限公司"}


def test_auto_proves_its_guess_on_the_whole_file_not_just_the_prefix(tmp_path: Path) -> None:
    # 70 KiB of ASCII decode as UTF-8; the GBK row after the 64 KiB prefix does not.
    ascii_rows = "".join(f"91430923MA4L2B3C1J,row{i:06d}\n" for i in range(2600))
    path = write(
        tmp_path, "a.csv", "uscc,name\n" + ascii_rows + "91430923MA4L2B3C1J,安化县\n", encoding="gbk"
    )
    assert path.stat().st_size > 64 * 1024
    assert resolve_encoding(path, "auto") == "gb18030"


def test_explicit_gbk_is_honoured(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", TEXT, encoding="gbk")
    assert resolve_encoding(path, "gbk") == "gbk"


def test_explicit_utf8_on_a_gbk_file_fails_naming_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", TEXT, encoding="gbk")
    with pytest.raises(SourceError) as caught:
        resolve_encoding(path, "utf-8")
    assert "not valid utf-8" in caught.value.reason and "line 2" in caught.value.reason, caught.value.reason


def test_bytes_that_are_neither_utf8_nor_gb18030_fail(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(b"uscc,name\n\xff\xfe\xff,x\n")
    with pytest.raises(SourceError) as caught:
        resolve_encoding(path, "auto")
    assert "cannot decode as UTF-8 or GB18030" in caught.value.reason, caught.value.reason


def test_an_unreadable_path_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError) as caught:
        resolve_encoding(tmp_path / "missing.csv", "auto")
    assert "cannot read file" in caught.value.reason


def test_an_empty_file_has_no_header(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "")
    with pytest.raises(SourceError) as caught:
        RowStream(path, "utf-8")
    assert "empty" in caught.value.reason


def test_a_repeated_header_column_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "uscc,name,Name\nx,y,z\n")
    with pytest.raises(SourceError) as caught:
        RowStream(path, "utf-8")
    assert "'name' appears more than once" in caught.value.reason, caught.value.reason


def test_headers_match_ignoring_case_spaces_and_full_width_brackets() -> None:
    assert normalise_header(" USCC ") == "uscc"
    assert normalise_header("罚款金额（万元）") == "罚款金额(万元)"
    assert normalise_header("行政相对人 名称") == "行政相对人名称"


def test_empty_cells_are_absent_and_cells_are_stripped(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "a,b,c\n x ,,  \n")
    assert rows(path, "utf-8") == [(2, {"a": "x"})]


def test_a_record_with_the_wrong_number_of_fields_is_a_bad_record_and_reading_goes_on(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "a,b\n1,2,3\n4,5\n")
    result = rows(path, "utf-8")
    assert result == [(2, BadRecord("record has 3 fields, the header has 2")), (3, {"a": "4", "b": "5"})]


def test_line_numbers_count_physical_lines_of_multi_line_records(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", 'a,b\n1,"two\nlines"\n\n3,4\n')
    assert [line for line, _ in rows(path, "utf-8")] == [2, 5]


def test_json_lines_map_keys_through_aliases_and_report_bad_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path, "a.jsonl", '{"caseCode": "（2024）湘0923执1号", "age": 40, "x": null}\n\n[1]\n{bad\n'
    )
    with RowStream(path, "utf-8", aliases={"casecode": "案号"}) as stream:
        result = list(stream)
    assert result[0] == (1, {"案号": "（2024）湘0923执1号", "age": "40"}), result
    assert result[1] == (3, BadRecord("expected a JSON object, got list"))
    assert result[2][0] == 4 and isinstance(result[2][1], BadRecord), result


def test_issue_files_are_truncated_and_written_with_a_header(tmp_path: Path) -> None:
    path = tmp_path / "out" / "rejects.csv"
    path.parent.mkdir()
    path.write_text("stale\n")
    with IssueWriter(path) as writer:
        writer.write("roles.csv", 7, "role", "boss", "role must be one of ...")
    assert read_issues(path) == [
        {
            "file": "roles.csv",
            "line": "7",
            "column": "role",
            "value": "boss",
            "reason": "role must be one of ...",
        }
    ]
