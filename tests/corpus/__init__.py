"""The grading corpus (manifest.py) and its submissions."""
