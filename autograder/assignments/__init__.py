"""The assignments that ship with the engine, one package each (see autograder/assignment.py)."""
