"""A correct get_n_params that looks for secrets and for the other students' code (environment,
other processes' environments, every readable file under /tmp, /work, /home, /root), prints what it
finds, and leaves files behind in its working folder and /tmp. None of it may succeed."""
import os
import time

MARKERS = ("GRADER_SECRET", "OTHER_STUDENT_SECRET")


def _snoop():
    found = [f"{k}={v}" for k, v in os.environ.items()]
    for pid in os.listdir("/proc"):
        try:
            found.append(open(f"/proc/{pid}/environ", "rb").read().decode(errors="ignore"))
        except OSError:
            pass
    started = time.time()
    for root in ("/tmp", "/work", "/home", "/root", "/autograder"):
        for folder, _, files in os.walk(root):
            if time.time() - started > 5:
                break
            for name in files:
                try:
                    text = open(os.path.join(folder, name), errors="ignore").read(200_000)
                except OSError:
                    continue
                if any(m in text for m in MARKERS):
                    found.append(f"{folder}/{name}: {text[:200]}")
    for path in ("left_behind.txt", "/tmp/ag_snoop_left_behind.txt"):
        try:
            open(path, "w").write("still here?")
        except OSError:
            pass
    print("\n".join(s for s in found if any(m in s for m in MARKERS)) or "found nothing")


def get_n_params(model):
    _snoop()
    return sum(p.nelement() for p in model.parameters())
