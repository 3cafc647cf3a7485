// One page of list entries in entry_id order after $after (keyset paging on the list_entry_id index),
// filtered by list, status and validity on $day (a null filter = any); validity starts at valid_from,
// or decided_on when it is unset, as ListEntry.in_validity says.
MATCH (e:ListEntry)
WHERE e.entry_id > coalesce($after, '')
  AND ($lists IS NULL OR e.list IN $lists)
  AND ($statuses IS NULL OR e.status IN $statuses)
  AND ($day IS NULL OR (coalesce(e.valid_from, e.decided_on) <= $day
                        AND (e.valid_until IS NULL OR $day <= e.valid_until)))
RETURN properties(e) AS props
ORDER BY e.entry_id
LIMIT $limit
