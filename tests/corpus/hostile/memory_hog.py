"""CNN() tries to take 8 GiB: the memory cap stops it at once; only CNN loses points."""
import torch.nn as nn


class CNN(nn.Module):
    def __init__(self, input_size, n_feature, output_size):
        super().__init__()
        self.hoard = bytearray(8 * 1024 ** 3)
