// Entries by list and status, for counts() ("entries:<list>:<status>").
MATCH (e:ListEntry)
RETURN e.list AS list, e.status AS status, count(*) AS n
