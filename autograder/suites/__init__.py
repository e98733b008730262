"""pytest machinery shared by the hidden and public suites: markers, the submission fixture,
trace analysis and the student-facing messages."""
