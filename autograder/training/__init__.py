"""The grader's own training loop and its knobs (never the student's loop)."""
