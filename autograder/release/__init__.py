"""Source -> release: student stubs derived from the reference solutions (and, later, notebooks)."""
