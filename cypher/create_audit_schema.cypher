// Audit chain schema (idempotent). A chain is named so several can share a database (tests use their own).
CREATE CONSTRAINT audit_record_chain_seq IF NOT EXISTS
FOR (r:AuditRecord) REQUIRE (r.chain, r.seq) IS UNIQUE;

CREATE CONSTRAINT audit_head_name IF NOT EXISTS
FOR (h:AuditHead) REQUIRE h.name IS UNIQUE;

CREATE INDEX audit_record_at IF NOT EXISTS
FOR (r:AuditRecord) ON (r.at);

CREATE INDEX audit_record_subject IF NOT EXISTS
FOR (r:AuditRecord) ON (r.subject_id);
