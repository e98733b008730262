"""Result files: Gradescope results.json, grades.csv, feedback."""
