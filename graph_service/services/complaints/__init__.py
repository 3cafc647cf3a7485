"""Complaints and reports from the public (投诉、举报): intake, routing, outcome, and what resulted."""
