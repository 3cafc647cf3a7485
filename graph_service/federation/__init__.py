"""Cross-region linkage: signing feed answers, the peer client, and the sync engine.

The server side of the feed is :mod:`graph_service.federation.serve` and ``api/routers/feed.py``; the store
side is :mod:`graph_service.store.feed_port`. See docs/federation.md.
"""
