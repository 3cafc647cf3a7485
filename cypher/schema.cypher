// Schema of the credit graph (idempotent: every statement is IF NOT EXISTS, applied at every start).
// Uniqueness constraints double as the range indexes every hot lookup starts from.

CREATE CONSTRAINT subject_key IF NOT EXISTS
FOR (s:Subject) REQUIRE s.key IS UNIQUE;

CREATE CONSTRAINT list_entry_id IF NOT EXISTS
FOR (e:ListEntry) REQUIRE e.entry_id IS UNIQUE;

CREATE CONSTRAINT region_code IF NOT EXISTS
FOR (r:Region) REQUIRE r.code IS UNIQUE;

CREATE CONSTRAINT penalty_key IF NOT EXISTS
FOR (p:Penalty) REQUIRE p.key IS UNIQUE;

CREATE CONSTRAINT meta_name IF NOT EXISTS
FOR (m:Meta) REQUIRE m.name IS UNIQUE;

// Search is case-insensitive, so it runs on case-folded copies of key and name (written with the node):
// a range index answers "key starts with", a text index answers "name contains".
CREATE INDEX subject_key_folded IF NOT EXISTS
FOR (s:Subject) ON (s.key_folded);

CREATE TEXT INDEX subject_name_folded IF NOT EXISTS
FOR (s:Subject) ON (s.name_folded);

// A check of a person reads the masked court debtors of the person's exact name inside its one statement
// (get_check_view.cypher): a range-index equality seek (a text-index seek costs ~1 ms more per check).
CREATE INDEX subject_name IF NOT EXISTS
FOR (s:Subject) ON (s.name);

// No relationship-property indexes: every relation read starts from a subject found by key and expands
// its typed relationships, and relation writes match both endpoints first: a relationship index on
// `key` would only be used by a global lookup that no operation does.

// Workflow records (tasks, disputes, repair applications, webhook deliveries): every write MERGEs on
// (kind, key), and the webhook worker asks for the pending deliveries by (kind, status).
CREATE CONSTRAINT workflow_record_key IF NOT EXISTS
FOR (n:WorkflowRecord) REQUIRE (n.kind, n.key) IS UNIQUE;

CREATE INDEX workflow_record_status IF NOT EXISTS
FOR (n:WorkflowRecord) ON (n.kind, n.status);

// The change feed (issue 8): events are read in seq order and looked up by entry, one cursor per peer.
CREATE CONSTRAINT feed_event_seq IF NOT EXISTS
FOR (f:FeedEvent) REQUIRE f.seq IS UNIQUE;

CREATE INDEX feed_event_entry IF NOT EXISTS
FOR (f:FeedEvent) ON (f.entry_id);

CREATE CONSTRAINT peer_cursor_peer IF NOT EXISTS
FOR (c:PeerCursor) REQUIRE c.peer IS UNIQUE;

CREATE CONSTRAINT push_position_target IF NOT EXISTS
FOR (p:PushPosition) REQUIRE p.target IS UNIQUE;

// Pseudonyms of persons under the federation's keys (docs/federation.md): a peer's pseudonymous person
// is matched to ours by value. One node per pseudonym, naming the person's key.
CREATE CONSTRAINT person_pseudonym IF NOT EXISTS
FOR (p:Pseudonym) REQUIRE p.value IS UNIQUE;
