# A grading container: the strongest isolation setting for `python -m autograder grade` (see README,
# Threat model). Build: docker build -t course-grader .   (CPU wheels of torch; no data inside)
FROM python:3.11-slim
WORKDIR /grader
COPY pyproject.toml README.md ./
COPY constraints ./constraints
COPY autograder ./autograder
RUN pip install --no-cache-dir torch==2.14.1 torchvision==0.29.1 --index-url https://download.pytorch.org/whl/cpu \
 && pip install --no-cache-dir . -c constraints/ci.txt
ENV AUTOGRADER_CACHE_DIR=/cache
ENTRYPOINT ["python", "-m", "autograder"]
