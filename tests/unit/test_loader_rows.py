"""The loaders' direct builders of organisations, persons and relations agree with the models' validation."""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson
import pytest
from pydantic import BaseModel, ValidationError

from graph_service.domain.identifiers import uscc_check_char
from graph_service.domain.model import Organization, OrgKind, Person, Relation, RelationKind
from graph_service.store.memory.ops import PutRelation, PutSubject, encode
from loaders.rows import FAST

USCC = "91430923MA4L2B3C1J"
ID = "430923199001011014"


def _uscc(body: str) -> str:
    return body + uscc_check_char(body)


PARENT = _uscc("91430923MA4L2B3D1")

VALID: list[tuple[type[BaseModel], dict[str, Any]]] = [
    (Organization, {"uscc": USCC, "name": "湖南测试有限公司"}),
    (
        Organization,
        {
            "uscc": USCC.lower(),
            "name": "x",
            "kind": "social_org",
            "region": "430900",
            "status": "revoked",
            "established_on": dt.date(2020, 1, 2),
            "industry": "制造业",
        },
    ),
    (Organization, {"uscc": USCC, "name": "x", "kind": OrgKind.ENTERPRISE}),
    (Person, {"key": ID, "name": "张三"}),
    (Person, {"key": ID, "name": "张三", "region": "110101"}),
    (Person, {"key": f"~{USCC}~李四", "name": "李四"}),
    (Relation, {"kind": "director", "source_id": ID, "target_id": USCC, "title": "董事长"}),
    (
        Relation,
        {
            "kind": RelationKind.SHAREHOLDER,
            "source_id": PARENT,
            "target_id": USCC,
            "ratio": 0.25,
            "subscribed_amount": 100.0,
            "start_on": dt.date(2020, 1, 1),
            "end_on": dt.date(2021, 1, 1),
            "source": "shareholdings.csv",
        },
    ),
    (Relation, {"kind": RelationKind.BRANCH_OF, "source_id": PARENT, "target_id": USCC}),
    (
        Relation,
        {"kind": RelationKind.PRACTITIONER, "source_id": ID, "target_id": USCC, "qualification": "律师"},
    ),
]

# Valid, but of a shape the builders do not reason about (pydantic strips or coerces): the model builds it.
LEFT_TO_MODEL: list[tuple[type[BaseModel], dict[str, Any]]] = [
    (Organization, {"uscc": USCC, "name": " padded "}),
    (Organization, {"uscc": USCC, "name": "x", "established_on": "2020-01-01"}),
    (Relation, {"kind": "shareholder", "source_id": ID, "target_id": USCC, "ratio": 1}),
    (Person, {"key": ID, "name": "x", "region": "４３０９２３"}),
]

# Each breaks one rule of its model (or is a shape the builders leave to it): the model must decide.
INVALID: list[tuple[type[BaseModel], dict[str, Any]]] = [
    (Organization, {"uscc": USCC[:-1] + "0", "name": "x"}),
    (Organization, {"uscc": ID, "name": "x"}),
    (Organization, {"uscc": f"~{USCC}~李四四四四四四四四四四四四四四", "name": "x"}),
    (Organization, {"uscc": USCC, "name": ""}),
    (Organization, {"uscc": USCC, "name": "x" * 201}),
    (Organization, {"uscc": USCC, "name": "x", "kind": "nonsense"}),
    (Organization, {"uscc": USCC, "name": "x", "region": "43092"}),
    (Organization, {"uscc": USCC, "name": "x", "industry": "i" * 101}),
    (Organization, {"uscc": USCC, "name": "x", "unknown": "y"}),
    (Organization, {"name": "x"}),
    (Person, {"key": USCC, "name": "x"}),
    (Person, {"key": ID[:-1] + "0", "name": "x"}),
    (Person, {"key": ID, "name": "x" * 101}),
    (Person, {"key": f"~{USCC}~", "name": "x"}),
    (Relation, {"kind": "director", "source_id": USCC, "target_id": PARENT}),
    (Relation, {"kind": "director", "source_id": ID, "target_id": ID}),
    (Relation, {"kind": RelationKind.BRANCH_OF, "source_id": ID, "target_id": USCC}),
    (Relation, {"kind": RelationKind.PRACTITIONER, "source_id": ID, "target_id": USCC}),
    (Relation, {"kind": "boss", "source_id": ID, "target_id": USCC}),
    (Relation, {"kind": None, "source_id": ID, "target_id": USCC}),
    (
        Relation,
        {
            "kind": "director",
            "source_id": ID,
            "target_id": USCC,
            "start_on": dt.date(2021, 1, 1),
            "end_on": dt.date(2020, 1, 1),
        },
    ),
    (Relation, {"kind": "shareholder", "source_id": ID, "target_id": USCC, "ratio": 1.5}),
    (Relation, {"kind": "shareholder", "source_id": ID, "target_id": USCC, "subscribed_amount": -1.0}),
    (Relation, {"kind": "shareholder", "source_id": ID, "target_id": USCC, "ratio": float("nan")}),
    (Relation, {"kind": "director", "source_id": ID, "target_id": USCC, "title": "t" * 101}),
]


@pytest.mark.parametrize(("model", "data"), VALID)
def test_a_valid_row_is_built_exactly_as_the_model_validates_it(
    model: type[BaseModel], data: dict[str, Any]
) -> None:
    built = FAST[model](data)
    validated = model.model_validate(data)
    assert built is not None, data
    assert list(built.__dict__.items()) == list(validated.__dict__.items())
    assert [type(v) for v in built.__dict__.values()] == [type(v) for v in validated.__dict__.values()]
    assert built.model_fields_set == validated.model_fields_set
    assert built == validated and hash(built) == hash(validated)


@pytest.mark.parametrize(("model", "data"), INVALID)
def test_a_row_the_builders_doubt_is_left_to_the_model(model: type[BaseModel], data: dict[str, Any]) -> None:
    assert FAST[model](data) is None, data
    with pytest.raises(ValidationError):
        model.model_validate(data)


@pytest.mark.parametrize(("model", "data"), LEFT_TO_MODEL)
def test_a_shape_the_builders_do_not_handle_is_left_to_the_model(
    model: type[BaseModel], data: dict[str, Any]
) -> None:
    assert FAST[model](data) is None, data


@pytest.mark.parametrize(("model", "data"), VALID)
def test_the_journal_writes_a_built_row_as_its_json_dump(
    model: type[BaseModel], data: dict[str, Any]
) -> None:
    value = FAST[model](data)
    assert isinstance(value, Organization | Person | Relation)
    op = PutRelation(value) if isinstance(value, Relation) else PutSubject(value)
    assert orjson.dumps(encode(op)) == orjson.dumps({**encode(op), "row": value.model_dump(mode="json")})
