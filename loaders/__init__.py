"""Source data in: source formats -> validated domain rows -> the store's ports, never a backend.

The formats (registry format v1, the court list, penalty decisions) are in :mod:`loaders.formats`; the
machinery around them is here: :mod:`.pipeline` (plan, preflight, stream, batch), :mod:`.csvio` (files,
encodings, issue files), :mod:`.cells` (typed cells), :mod:`.run` (one load's writes), :mod:`.resolution`
(unresolved persons) and :mod:`.report`.
"""
