# A grading container: the strongest isolation setting for `python -m autograder grade` (see README,
# Threat model). Build: docker build -t course-grader .   (CPU wheels of torch; no data inside)
# The image holds the hidden suites and the reference solution: it is the instructor's, never publish it.
FROM python:3.11-slim
WORKDIR /grader
COPY pyproject.toml README.md ./
COPY constraints ./constraints
COPY autograder ./autograder
# The reference solution, next to the engine, where the canary finds it (autograder/canary.py:
# <package>/../solutions), as in the Gradescope bundle's /autograder/source.
COPY solutions ./solutions
# Installed editable (as Gradescope's setup.sh does), so that the grader, its sandbox supervisors
# (`python -I`, which see only installed packages) and the canary all use /grader/autograder, whatever
# the working directory; and /grader, which holds the reference, is among the folders hidden from
# submission code. Without namespaces (Docker's default profile) file modes hide them instead:
# submission code runs as an unprivileged uid and cannot read the hidden suites, the reference or the
# cache (decoded test labels).
RUN pip install --no-cache-dir torch==2.14.1 torchvision==0.29.1 --index-url https://download.pytorch.org/whl/cpu \
 && pip install --no-cache-dir -e . -c constraints/ci.txt \
 && chmod 700 autograder/assignments/*/hidden solutions \
 && mkdir -m 700 /cache
ENV AUTOGRADER_CACHE_DIR=/cache
ENTRYPOINT ["python", "-m", "autograder"]
