"""The public checks: what students run (`python -m autograder check`) and GitHub Classroom grades.
The same checks and hints as the hidden suites, with fewer cases; training ones need --train."""
