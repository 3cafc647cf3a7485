// The data version (0 before the first write).
OPTIONAL MATCH (m:Meta {name: 'data_version'})
RETURN coalesce(m.value, 0) AS value
