"""The source formats: registry format v1 (one module per file kind) and the public court and penalty lists.

Each module describes its columns and turns a row into validated domain models; the machinery that reads
files, batches rows, writes rejects and talks to the store is in the modules of :mod:`loaders` itself.
"""
