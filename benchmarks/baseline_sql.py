"""The relational baseline's schema and the related-party walk as a recursive CTE.

Same data as the graph (the synthetic CSVs, COPYed raw), same semantics as ``GraphStore.neighbourhood``:
an undirected walk over relations valid on ``as_of`` (half-open ``[start_on, end_on)``) up to ``depth``
hops, each node expanded through at most ``limit`` links taken in the store's order
``(neighbour_id, relation key)``; hits are reached subjects (not the start) with an effective black or
watch entry (status active and ``coalesce(valid_from, decided_on) <= as_of <= valid_until``).
The database is created with the C collation so ``ORDER BY`` sorts ids as Python compares strings.
"""

from __future__ import annotations

from graph_service.synth.writer import V1_HEADERS

# Raw tables mirror the CSV headers the generator writes (COPY ... CSV HEADER loads them as written).
RAW_TABLES: dict[str, tuple[str, ...]] = V1_HEADERS


def raw_table(file_name: str) -> str:
    return "raw_" + file_name.removesuffix(".csv")


# How the loader names a person (loaders/cells.py person_ref): a withheld ID number (empty, "非公示项",
# masked ...) with a name is an unresolved person of that organisation, keyed ~<uscc>~<name>; without a
# name the row is rejected. Without this every withheld holder would be one node "非公示项" joining
# unrelated organisations. (Resolution of such a person by a later row with a full ID is not mirrored:
# the synthetic registry has none, and the parity check would show it.)
PERSON_KEYS = r"""
CREATE FUNCTION withheld(v text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT v IS NULL OR btrim(v) = ''
      OR (NOT (length(v) = 18 AND substr(v, 1, 17) ~ '^[0-9]{17}$')
          AND (lower(btrim(v)) IN ('非公示项', '未公示', '不公示', '无', '暂无', '-', '--', '—', '/', 'null',
                                   'none', 'n/a')
               OR v ~ '[*＊×●]' OR v ~ '^[0-9]{4,}[xX]{2,}[0-9]*[0-9xX]?$'))
$$;
CREATE FUNCTION person_key(id text, name text, org text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN withheld(id) THEN '~' || upper(btrim(org)) || '~' || btrim(name) ELSE upper(btrim(id)) END
$$;
CREATE FUNCTION nameless_withheld(id text, name text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT withheld(id) AND coalesce(btrim(name), '') = ''
$$;
"""

# Relations keep the graph's identity (kind, source, target, start_on): the last row of an identity wins,
# as an upsert does. rkey is Relation.key, the tie-breaker of relation_order.
BUILD = (
    PERSON_KEYS
    + """
CREATE TABLE relation AS
SELECT DISTINCT ON (kind, source_id, target_id, start_on)
       kind, source_id, target_id, start_on, end_on,
       kind || '|' || source_id || '|' || target_id || '|' || coalesce(to_char(start_on, 'YYYY-MM-DD'), '')
         AS rkey
FROM (
  SELECT ord, role AS kind, person_key(person_id, person_name, org_id) AS source_id,
         upper(org_id) AS target_id, nullif(start_on, '')::date AS start_on,
         nullif(end_on, '')::date AS end_on
    FROM (SELECT row_number() OVER () AS ord, * FROM raw_roles) r
   WHERE NOT nameless_withheld(person_id, person_name)
  UNION ALL
  SELECT ord, 'shareholder', person_key(holder_id, holder_name, org_id), upper(org_id),
         nullif(start_on, '')::date, nullif(end_on, '')::date
    FROM (SELECT row_number() OVER () AS ord, * FROM raw_shareholdings) s
   WHERE NOT nameless_withheld(holder_id, holder_name)
  UNION ALL
  SELECT ord, 'practitioner', upper(person_id), upper(org_id), nullif(start_on, '')::date,
         nullif(end_on, '')::date
    FROM (SELECT row_number() OVER () AS ord, * FROM raw_practitioners) p
   WHERE NOT withheld(person_id)
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
)

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
