"""The relational baseline's schema and the related-party walk as a recursive CTE.

Same data as the graph (the synthetic CSVs, COPYed raw), same semantics as ``GraphStore.neighbourhood``:
an undirected walk over relations valid on ``as_of`` (half-open ``[start_on, end_on)``) up to ``depth``
hops, each node expanded through at most ``limit`` links taken in the store's order
``(neighbour_id, relation key)``; hits are reached subjects (not the start) with an effective black or
watch entry (status active and ``coalesce(valid_from, decided_on) <= as_of <= valid_until``).
The database is created with the C collation so ``ORDER BY`` sorts ids as Python compares strings.
"""

from __future__ import annotations

# Raw tables mirror the CSV headers (text columns, COPY ... CSV HEADER loads them as written).
RAW_TABLES: dict[str, tuple[str, ...]] = {
    "organizations.csv": ("uscc", "name", "kind", "region", "status", "established_on", "industry"),
    "persons.csv": ("id_number", "name", "region"),
    "roles.csv": ("person_id", "org_id", "role", "title", "start_on", "end_on", "person_name"),
    "shareholdings.csv": (
        "holder_id",
        "org_id",
        "ratio",
        "subscribed_amount",
        "start_on",
        "end_on",
        "holder_name",
        "holder_type",
    ),
    "practitioners.csv": ("person_id", "org_id", "qualification", "certificate_no", "start_on", "end_on"),
    "branches.csv": ("branch_id", "parent_id", "start_on", "end_on"),
    "list_entries.csv": (
        "entry_id",
        "subject_id",
        "list",
        "domain",
        "reason",
        "act_on",
        "decided_on",
        "valid_from",
        "valid_until",
        "initiating_dept",
        "basis",
        "source_region",
        "status",
        "responsible_person_ids",
    ),
}


def raw_table(file_name: str) -> str:
    return "raw_" + file_name.removesuffix(".csv")


# Relations keep the graph's identity (kind, source, target, start_on): the last row of an identity wins,
# as an upsert does. rkey is Relation.key, the tie-breaker of relation_order.
BUILD = """
CREATE TABLE relation AS
SELECT DISTINCT ON (kind, source_id, target_id, start_on)
       kind, source_id, target_id, start_on, end_on,
       kind || '|' || source_id || '|' || target_id || '|' || coalesce(to_char(start_on, 'YYYY-MM-DD'), '')
         AS rkey
FROM (
  SELECT ord, role AS kind, upper(person_id) AS source_id, upper(org_id) AS target_id,
         nullif(start_on, '')::date AS start_on, nullif(end_on, '')::date AS end_on
    FROM (SELECT row_number() OVER () AS ord, * FROM raw_roles) r
  UNION ALL
  SELECT ord, 'shareholder', upper(holder_id), upper(org_id), nullif(start_on, '')::date,
         nullif(end_on, '')::date
    FROM (SELECT row_number() OVER () AS ord, * FROM raw_shareholdings) s
  UNION ALL
  SELECT ord, 'practitioner', upper(person_id), upper(org_id), nullif(start_on, '')::date,
         nullif(end_on, '')::date
    FROM (SELECT row_number() OVER () AS ord, * FROM raw_practitioners) p
  UNION ALL
  SELECT ord, 'branch_of', upper(branch_id), upper(parent_id), nullif(start_on, '')::date,
         nullif(end_on, '')::date
    FROM (SELECT row_number() OVER () AS ord, * FROM raw_branches) b
) rows
ORDER BY kind, source_id, target_id, start_on, ord DESC;

CREATE TABLE edge AS
  SELECT source_id AS node, target_id AS nbr, rkey, start_on, end_on FROM relation
  UNION ALL
  SELECT target_id, source_id, rkey, start_on, end_on FROM relation WHERE target_id <> source_id;
CREATE INDEX edge_walk ON edge (node, nbr, rkey) INCLUDE (start_on, end_on);

CREATE TABLE entry AS
SELECT DISTINCT ON (entry_id)
       entry_id, upper(subject_id) AS subject_id, list, status, nullif(decided_on, '')::date AS decided_on,
       nullif(valid_from, '')::date AS valid_from, nullif(valid_until, '')::date AS valid_until
FROM (SELECT row_number() OVER () AS ord, * FROM raw_list_entries) e
ORDER BY entry_id, ord DESC;
CREATE INDEX entry_subject ON entry (subject_id);
ANALYZE relation;
ANALYZE edge;
ANALYZE entry;
"""

# UNION (not UNION ALL) drops repeated (node, depth) rows, so a node reached by several walks of the same
# length is expanded once per depth; reachability within `depth` equals the breadth-first walk's.
RELATED_HITS = """
WITH RECURSIVE walk(node, depth) AS (
    SELECT %(subject)s::text, 0
  UNION
    SELECT link.nbr, walk.depth + 1
    FROM walk
    CROSS JOIN LATERAL (
        SELECT e.nbr FROM edge e
        WHERE e.node = walk.node
          AND (e.start_on IS NULL OR e.start_on <= %(as_of)s)
          AND (e.end_on IS NULL OR %(as_of)s < e.end_on)
        ORDER BY e.nbr, e.rkey
        LIMIT %(limit)s
    ) link
    WHERE walk.depth < %(depth)s
)
SELECT DISTINCT walk.node
FROM walk JOIN entry ON entry.subject_id = walk.node
WHERE walk.node <> %(subject)s
  AND entry.list IN ('black', 'watch')
  AND entry.status = 'active'
  AND coalesce(entry.valid_from, entry.decided_on) <= %(as_of)s
  AND (entry.valid_until IS NULL OR %(as_of)s <= entry.valid_until)
"""
