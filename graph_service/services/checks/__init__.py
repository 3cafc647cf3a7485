"""Checks: the related-party credit check (应查必查) and the measures catalog it applies."""
