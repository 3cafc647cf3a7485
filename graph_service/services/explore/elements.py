"""Cytoscape.js element JSON (``{"nodes": [{"data": …}], "edges": [{"data": …}]}``) for the explorer.

The explorer page passes ``elements`` straight to ``cytoscape({elements})``; Gephi exports are built from
the same data. Field names are the public contract of ``/v1/graph``.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from graph_service.domain.model import ListKind, OrgStatus

ListStatus = Literal["black", "watch", "abnormal", "red", "none"]


class NodeData(BaseModel):
    """A subject, or (``kind`` "more") the placeholder standing for a hub's relations not listed yet."""

    id: str = Field(examples=["91430923MA4L2B3C1J"])
    label: str = Field(examples=["安化县某某茶业有限公司"])
    name: str | None = None
    kind: str | None = Field(
        default=None, description="enterprise, social_org, institution, person, or more (placeholder)"
    )
    kind_label: str | None = Field(default=None, examples=["企业"])
    region: str | None = Field(default=None, examples=["430923"])
    org_status: OrgStatus | None = None
    unresolved: bool = Field(default=False, description="A person known only by name within one organisation")
    known: bool = Field(default=True, description="False for an endpoint missing from the store")
    lists: list[ListKind] = Field(default_factory=list, description="Lists with a live entry on the date")
    list_status: ListStatus = Field(default="none", description="The most severe of lists")
    disputed: bool = Field(default=False, description="A live entry is under dispute (suspended)")
    origin: bool = False
    hops: int | None = Field(default=None, description="Hops from the origin")
    degree: int = Field(default=0, description="Relations the subject has on the date (or in history)")
    hidden: int = Field(default=0, description="Of them, not shown (expand to see)")
    owner: str | None = Field(
        default=None, description="Placeholder: the subject whose relations it stands for"
    )
    offset: int | None = Field(default=None, description="Placeholder: the next page starts here")
    remaining: int | None = Field(default=None, description="Placeholder: relations not listed yet")


class EdgeData(BaseModel):
    """A relation ``source -> target``; ``id`` is the relation key ``kind|source|target|start_on``."""

    id: str
    source: str
    target: str
    role: str = Field(examples=["legal_representative"], description="Relation kind, or more (placeholder)")
    label: str = Field(examples=["法定代表人"])
    label_en: str = Field(examples=["legal representative"])
    title: str | None = None
    start_on: dt.date | None = None
    end_on: dt.date | None = None
    ratio: float | None = None
    current: bool = Field(default=True, description="Held on the date (false: a past relation)")


class NodeElement(BaseModel):
    group: Literal["nodes"] = "nodes"
    data: NodeData
    classes: str = ""


class EdgeElement(BaseModel):
    group: Literal["edges"] = "edges"
    data: EdgeData
    classes: str = ""


class Elements(BaseModel):
    nodes: list[NodeElement] = Field(default_factory=list)
    edges: list[EdgeElement] = Field(default_factory=list)


class GraphView(BaseModel):
    """The graph around one subject, ready for Cytoscape.js."""

    origin_id: str
    as_of: dt.date
    include_history: bool
    depth: int
    limit: int
    truncated: bool = Field(description="Some hub had more relations than shown, or the node cap was hit")
    truncated_at: list[str] = Field(default_factory=list, description="Subjects with unlisted relations")
    capped: bool = Field(default=False, description="The node cap stopped the walk early")
    data_version: int
    elements: Elements


class NeighbourPage(BaseModel):
    """One page of a subject's relations in the store's order: expands an "and N more" placeholder."""

    subject_id: str
    as_of: dt.date
    include_history: bool
    offset: int
    limit: int
    total: int = Field(description="All relations of the subject on the date (or in history)")
    next_offset: int | None = Field(default=None, description="Offset of the next page; null on the last")
    data_version: int
    elements: Elements
