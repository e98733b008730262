"""conv1 without padding=2, and forward still flattens with view(-1, 16*5*5): the parameter count
is unchanged (61,706) but 16*4*4 features per image no longer fit 400, so the batch size silently
changes (N=25 gives 16 rows) or the view fails."""
import torch.nn as nn


class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, kernel_size=5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, kernel_size=5)
        self.fc1, self.fc2, self.fc3 = nn.Linear(400, 120), nn.Linear(120, 84), nn.Linear(84, 10)
        self.relu = nn.ReLU()

    def forward(self, x):
        x = self.pool(self.relu(self.conv1(x)))
        x = self.pool(self.relu(self.conv2(x)))
        x = x.view(-1, 16 * 5 * 5)
        return self.fc3(self.relu(self.fc2(self.relu(self.fc1(x)))))
