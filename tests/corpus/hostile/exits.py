"""Exits everywhere: sys.exit in LeNet5(), os._exit in FC2Layer.forward, SIGKILL to itself in
perm_pixel, SystemExit while defining VGG. None of it passes anything; CNN is untouched."""
import os
import signal
import sys

import torch.nn as nn


class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        sys.exit(0)


class FC2Layer(nn.Module):
    def __init__(self, input_size, n_hidden, output_size):
        super().__init__()
        self.input_size = input_size
        self.network = nn.Sequential(nn.Linear(input_size, n_hidden), nn.ReLU(), nn.Linear(n_hidden, n_hidden),
                                     nn.ReLU(), nn.Linear(n_hidden, output_size), nn.LogSoftmax(dim=1))

    def forward(self, x):
        os._exit(0)


def perm_pixel(data, perm):
    os.kill(os.getpid(), signal.SIGKILL)


class VGG(nn.Module):
    raise SystemExit(0)
