"""A correct CNN whose constructor tries the network: the grader's own loopback (PORT is filled in
by the test) and the internet. Reaching anything makes it fail loudly, so full marks mean no network."""
import socket

import torch.nn as nn
import torch.nn.functional as F

PORT = 0  # replaced by the test with the port of a server it listens on


def _reachable(host, port):
    try:
        with socket.create_connection((host, port), timeout=1) as conn:
            conn.sendall(b"hello from the sandbox")
        return True
    except OSError:
        return False


class CNN(nn.Module):
    def __init__(self, input_size, n_feature, output_size):
        super().__init__()
        for host, port in (("127.0.0.1", PORT), ("1.1.1.1", 53), ("pypi.org", 443)):
            if _reachable(host, port):
                raise RuntimeError(f"NETWORK REACHABLE: {host}:{port}")
        self.n_feature = n_feature
        self.conv1 = nn.Conv2d(1, n_feature, kernel_size=5)
        self.conv2 = nn.Conv2d(n_feature, n_feature, kernel_size=5)
        self.fc1 = nn.Linear(n_feature * 16, 50)
        self.fc2 = nn.Linear(50, output_size)

    def forward(self, x, verbose=False):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return F.log_softmax(self.fc2(F.relu(self.fc1(x.view(-1, self.n_feature * 16)))), dim=1)
