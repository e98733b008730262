# The two-hidden-layer MLP written as MLP (the handout calls it FC2Layer).
import torch
import torch.nn as nn
import torch.nn.functional as F


class MLP(nn.Module):
    def __init__(self, input_size, n_hidden, output_size):
        super().__init__()
        self.input_size = input_size
        self.l1, self.l2 = nn.Linear(input_size, n_hidden), nn.Linear(n_hidden, n_hidden)
        self.l3 = nn.Linear(n_hidden, output_size)

    def forward(self, x):
        x = torch.relu(self.l1(x.view(-1, self.input_size)))
        return F.log_softmax(self.l3(torch.relu(self.l2(x))), dim=1)
