"""The calibration tables: thresholds_<kind>[-<precision>].json and their reader (table.py), the
threshold arithmetic (thresholds.py) and the reference's broken variants (broken.py). The
`calibrate` verb (verbs/calibrate.py) trains the reference and writes a table; grading only reads
one, so this package sits below the suites and imports nothing of the grader's."""
