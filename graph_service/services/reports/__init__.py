"""Credit reports (信用报告): a subject's record as of a date, issued with a number, as HTML or PDF."""
