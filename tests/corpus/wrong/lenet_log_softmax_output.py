"""Returns log-probabilities (log_softmax), lab 2's convention, where the handout's LeNet5 returns raw
scores for nn.CrossEntropyLoss. CrossEntropyLoss(log_softmax(z)) equals CrossEntropyLoss(z), so it
trains exactly like the reference: only the output check catches it."""
import torch.nn as nn
import torch.nn.functional as F


class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, kernel_size=5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, kernel_size=5)
        self.fc1, self.fc2, self.fc3 = nn.Linear(400, 120), nn.Linear(120, 84), nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.fc1(x.flatten(1)))
        return F.log_softmax(self.fc3(F.relu(self.fc2(x))), dim=1)
