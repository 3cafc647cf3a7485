"""Credit commitments (信用承诺): record, list, confirm, publish; breaches go through the lifecycle."""
