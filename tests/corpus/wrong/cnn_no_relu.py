"""CNN without any ReLU."""
import torch.nn as nn
import torch.nn.functional as F


class CNN(nn.Module):
    def __init__(self, input_size, n_feature, output_size):
        super().__init__()
        self.n_feature = n_feature
        self.conv1 = nn.Conv2d(1, n_feature, kernel_size=5)
        self.conv2 = nn.Conv2d(n_feature, n_feature, kernel_size=5)
        self.fc1 = nn.Linear(n_feature * 16, 50)
        self.fc2 = nn.Linear(50, output_size)

    def forward(self, x, verbose=False):
        x = F.max_pool2d(self.conv2(F.max_pool2d(self.conv1(x), 2)), 2)
        return F.log_softmax(self.fc2(self.fc1(x.view(-1, self.n_feature * 16))), dim=1)
