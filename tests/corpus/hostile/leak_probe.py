"""A correct perm_pixel that, when first called, hunts for the hidden tests (the grader's package
folder, the repository, the whole file system for test_*.py, every object in memory and every
stack frame) and prints whatever it finds. Nothing of the hidden suites may come out."""
import gc
import os
import sys
import time

FOUND = []


def _hunt():
    started = time.time()
    roots = ["/", os.getcwd()]
    package = sys.modules.get("autograder")
    if package is not None and getattr(package, "__file__", None):
        roots.insert(0, os.path.dirname(os.path.dirname(package.__file__)))
    for root in roots:
        for folder, _, files in os.walk(root):
            if time.time() - started > 5:
                break
            for name in files:
                if name.startswith("test_") and name.endswith(".py"):
                    try:
                        FOUND.append(open(os.path.join(folder, name), errors="ignore").read())
                    except OSError:
                        pass
    for obj in gc.get_objects():
        if isinstance(obj, str) and "def LeNet5_" in obj:
            FOUND.append(obj)
    frame = sys._getframe()
    while frame is not None:
        FOUND.append(str(frame.f_code.co_filename))
        frame = frame.f_back
    print("\n".join(FOUND))


def perm_pixel(data, perm):
    if not FOUND:
        _hunt()
    return data.view(-1, 784)[:, perm].view(-1, 1, 28, 28)
