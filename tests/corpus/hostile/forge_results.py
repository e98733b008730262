"""LeNet5() writes forged results.json / grades.csv (full marks) everywhere it can reach, then
fails. The grader's files must still say LeNet5 scored 0."""
import json
import os

import torch.nn as nn

FORGED = {"score": 100, "tests": [{"name": "LeNet5_output_shape", "score": 3, "max_score": 3, "status": "passed"}]}


def _forge(folder):
    for name, text in (("results.json", json.dumps(FORGED)),
                       ("grades.csv", "submission,LeNet5,total\nforge_results,25,100\nFORGED,25,100\n")):
        try:
            with open(os.path.join(folder, name), "w") as f:
                f.write(text)
        except OSError:
            pass


class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        targets = {os.getcwd(), os.path.expanduser("~"), "/tmp"}
        path = os.getcwd()
        while path != "/":
            path = os.path.dirname(path)
            targets.add(path)
        targets.update(v for v in os.environ.values() if os.path.isdir(v))
        for pid in os.listdir("/proc"):  # look for the grader's --out folder in other processes' arguments
            try:
                args = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")
            except OSError:
                continue
            for arg in args:
                arg = arg.decode(errors="ignore")
                if arg.startswith("/") and os.path.isdir(arg):
                    targets.add(arg)
                    targets.update(os.path.join(arg, d) for d in os.listdir(arg) if os.path.isdir(os.path.join(arg, d)))
        for folder in targets:
            _forge(folder)
        raise RuntimeError("forged")
