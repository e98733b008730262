"""GitHub Classroom's workflow (classroom/classroom.yml), generated from the assignment: one
graded step per part, worth the part's declared points, then Classroom's reporter.

Classroom's reporter only uploads scores from a workflow named "Autograding Tests" with the single
job "run-autograding-tests" (classroom-resources/autograding-grading-reporter README). Each
command-grader step runs its command with /bin/sh in the checkout, with only PATH, HOME,
FORCE_COLOR, DOTNET_CLI_HOME and DOTNET_NOLOGO in the environment, kills it after `timeout`
minutes, and scores max-score on exit status 0, else 0 (autograding-command-grader src/main.js).
"""

from __future__ import annotations

from pathlib import Path

from autograder.assignment import Assignment, Part

HEAD = """\
# GitHub Classroom autograding for {name} (copied to .github/workflows/classroom.yml of the student
# template by `python -m autograder classroom-template`). Public checks only: the hidden suites never
# enter a student repository; the grade that counts is the instructor's `grade` run (see README).
# Generated from the assignment's declaration by `python -m autograder regenerate`: edit the
# declaration (points, minutes per part) or autograder/release/classroom_workflow.py, not this file.
#
# Classroom's reporter only uploads scores from a workflow named "Autograding Tests" with the single
# job "run-autograding-tests" (classroom-resources/autograding-grading-reporter README).
# Each command-grader step runs its command with /bin/sh in the checkout, with only PATH, HOME,
# FORCE_COLOR, DOTNET_CLI_HOME and DOTNET_NOLOGO in the environment, kills it after `timeout`
# minutes, and scores max-score on exit status 0, else 0 (autograding-command-grader src/main.js).
name: Autograding Tests
on: [push, repository_dispatch, workflow_dispatch]
permissions:
  checks: write
  actions: read
  contents: read
jobs:
  run-autograding-tests:
    runs-on: ubuntu-latest
    if: github.actor != 'github-classroom[bot]'
    timeout-minutes: 60
    steps:
      - name: Checkout code
        uses: actions/checkout@v4
        timeout-minutes: 5
      - name: Set up Python (pip cache)
        uses: actions/setup-python@v5
        timeout-minutes: 5
        with:
          python-version: "3.12"
          cache: pip
          cache-dependency-path: requirements*.txt
      - name: Install CPU torch and the checker
        timeout-minutes: 15
        run: |
          python -m pip install -r requirements-torch.txt --index-url https://download.pytorch.org/whl/cpu
          python -m pip install -r requirements.txt
      - name: Cache MNIST and CIFAR-10 downloads
        uses: actions/cache@v4
        timeout-minutes: 5
        with:
          path: |
            ~/.cache/week2-autograder/downloads
            !~/.cache/week2-autograder/downloads/*.tar.gz
          key: week2-course-data-v1
      - name: Fetch data sets
        timeout-minutes: 15
        run: python -m autograder.data.fetch
"""

STEP = """\
      - name: {name}
        id: {id}
        uses: classroom-resources/autograding-command-grader@v1
        timeout-minutes: {step_minutes}
        with:
          test-name: {name}
          command: python -m autograder check . --parts {name} --train
          timeout: {minutes}
          max-score: {points:g}
"""

REPORTER = """\
      - name: Autograding Reporter
        uses: classroom-resources/autograding-grading-reporter@v1
        timeout-minutes: 5
        env:
{env}
        with:
          runners: {runners}
"""


def step_id(part: Part) -> str:
    """The step's id: lower case, '-' for '_' (the reporter reads <ID>_RESULTS)."""
    return part.name.lower().replace("_", "-")


def render(spec: Assignment) -> str:
    steps = "".join(
        STEP.format(
            name=p.name,
            id=step_id(p),
            minutes=p.check_minutes,
            step_minutes=p.check_minutes + 2,  # the step outlives its command's own timeout
            points=p.points,
        )
        for p in spec.parts
    )
    env = "\n".join(
        f'          {step_id(p).upper()}_RESULTS: "${{{{ steps.{step_id(p)}.outputs.result }}}}"'
        for p in spec.parts
    )
    runners = ",".join(step_id(p) for p in spec.parts)
    return HEAD.format(name=spec.name) + steps + REPORTER.format(env=env, runners=runners)


def path(spec: Assignment) -> Path:
    return spec.course_root / "classroom" / "classroom.yml"
