"""FC2Layer without ReLUs: a linear model (with a rank-8 bottleneck) under the log-softmax."""
import torch.nn as nn


class FC2Layer(nn.Module):
    def __init__(self, input_size, n_hidden, output_size):
        super().__init__()
        self.input_size = input_size
        self.network = nn.Sequential(nn.Linear(input_size, n_hidden), nn.Linear(n_hidden, n_hidden),
                                     nn.Linear(n_hidden, output_size), nn.LogSoftmax(dim=1))

    def forward(self, x):
        return self.network(x.view(-1, self.input_size))
