"""Exploring the graph: subject profiles, the explorer's picture, paths, ownership, analytics, exports."""
