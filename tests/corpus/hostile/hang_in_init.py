"""LeNet5() never returns: LeNet5 loses its points after one time limit; other parts are untouched."""
import torch.nn as nn


class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        while True:
            pass
