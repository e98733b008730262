# An indentation slip: class CNN ended up inside FC2Layer (it became FC2Layer.CNN).
import torch.nn as nn
import torch.nn.functional as F


class FC2Layer(nn.Module):
    def __init__(self, input_size, n_hidden, output_size):
        super(FC2Layer, self).__init__()
        self.input_size = input_size
        self.network = nn.Sequential(
            nn.Linear(input_size, n_hidden), nn.ReLU(),
            nn.Linear(n_hidden, n_hidden), nn.ReLU(),
            nn.Linear(n_hidden, output_size), nn.LogSoftmax(dim=1))

    def forward(self, x):
        x = x.view(-1, self.input_size)
        return self.network(x)

    class CNN(nn.Module):
        def __init__(self, input_size, n_feature, output_size):
            super().__init__()
            self.n_feature = n_feature
            self.conv1 = nn.Conv2d(1, n_feature, kernel_size=5)
            self.conv2 = nn.Conv2d(n_feature, n_feature, kernel_size=5)
            self.fc1 = nn.Linear(n_feature*4*4, 50)
            self.fc2 = nn.Linear(50, 10)

        def forward(self, x, verbose=False):
            x = F.max_pool2d(F.relu(self.conv1(x)), 2)
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = F.relu(self.fc1(x.view(-1, self.n_feature*4*4)))
            return F.log_softmax(self.fc2(x), dim=1)
