"""CNN ignores n_feature (always 6 feature maps)."""
import torch.nn as nn
import torch.nn.functional as F


class CNN(nn.Module):
    def __init__(self, input_size, n_feature, output_size):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, kernel_size=5)
        self.conv2 = nn.Conv2d(6, 6, kernel_size=5)
        self.fc1 = nn.Linear(96, 50)
        self.fc2 = nn.Linear(50, output_size)

    def forward(self, x, verbose=False):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return F.log_softmax(self.fc2(F.relu(self.fc1(x.view(-1, 96)))), dim=1)
