"""A correct FC2Layer whose constructor prints 300 MB: output is capped, grading unaffected."""
import torch.nn as nn


class FC2Layer(nn.Module):
    def __init__(self, input_size, n_hidden, output_size):
        super().__init__()
        for _ in range(3):
            print("x" * 100_000_000)
        self.input_size = input_size
        self.network = nn.Sequential(nn.Linear(input_size, n_hidden), nn.ReLU(), nn.Linear(n_hidden, n_hidden),
                                     nn.ReLU(), nn.Linear(n_hidden, output_size), nn.LogSoftmax(dim=1))

    def forward(self, x):
        return self.network(x.view(-1, self.input_size))
