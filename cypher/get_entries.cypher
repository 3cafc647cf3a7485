// Stored list entries among $entry_ids (unknown ids give no row).
UNWIND $entry_ids AS entry_id
MATCH (e:ListEntry {entry_id: entry_id})
RETURN properties(e) AS props
