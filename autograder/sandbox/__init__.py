"""Run untrusted submission code in forked, isolated children; report measurements, never verdicts."""
