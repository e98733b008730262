"""One module per CLI verb, each with main(*, ...) taking keyword-only options."""
