"""A correct single-file submission in functional style, with module-level helpers and constants."""
import torch
import torch.nn as nn
import torch.nn.functional as F

INPUT_SIZE = 28 * 28
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
VGG_CFG = [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M']


def conv(c_in, c_out, k, **kw):
    return nn.Conv2d(c_in, c_out, kernel_size=k, **kw)


class LeNet5(nn.Module):
    def __init__(self):
        super(LeNet5, self).__init__()
        self.c1, self.c2 = conv(1, 6, 5, padding=2), conv(6, 16, 5)
        self.f1, self.f2, self.f3 = nn.Linear(400, 120), nn.Linear(120, 84), nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(torch.relu(self.c1(x)), 2, 2)
        x = F.max_pool2d(self.c2(x).clamp(min=0), 2, 2)  # ReLU written as a clamp
        x = x.reshape(x.size(0), -1)
        x = F.relu(self.f1(x))
        x = F.relu(self.f2(x))
        return self.f3(x)


def get_n_params(model):
    total = 0
    for name, p in model.named_parameters():
        n = 1
        for d in p.shape:
            n *= d
        total += n
    return total


class FC2Layer(nn.Module):
    def __init__(self, input_size, n_hidden, output_size):
        super().__init__()
        self.input_size = input_size
        self.hidden1 = nn.Linear(input_size, n_hidden)
        self.hidden2 = nn.Linear(n_hidden, n_hidden)
        self.out = nn.Linear(n_hidden, output_size)

    def forward(self, x):
        x = torch.flatten(x, start_dim=1)
        x = F.relu(self.hidden1(x))
        x = F.relu(self.hidden2(x))
        return F.log_softmax(self.out(x), dim=1)


class CNN(nn.Module):
    def __init__(self, input_size, n_feature, output_size):
        super().__init__()
        self.n_feature = n_feature
        self.conv1 = conv(1, n_feature, 5)
        self.conv2 = conv(n_feature, n_feature, 5)
        self.fc1 = nn.Linear(n_feature * 4 * 4, 50)
        self.fc2 = nn.Linear(50, output_size)

    def forward(self, x, verbose=False):
        for layer in (self.conv1, self.conv2):
            x = F.max_pool2d(F.relu(layer(x)), kernel_size=2)
            if verbose:
                print(x.shape)
        x = F.relu(self.fc1(x.flatten(1)))
        return F.log_softmax(self.fc2(x), dim=1)


def perm_pixel(data, perm):
    return data.flatten(1)[:, perm].reshape(data.shape)


def make_layers(cfg, in_channels=3):
    layers = []
    for v in cfg:
        if v == 'M':
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            continue
        layers += [conv(in_channels, v, 3, padding=1), nn.BatchNorm2d(v), nn.ReLU(inplace=True)]
        in_channels = v
    return nn.Sequential(*layers, nn.AvgPool2d(kernel_size=1, stride=1))


class VGG(nn.Module):
    def __init__(self):
        super().__init__()
        self.cfg = list(VGG_CFG)
        self.features = make_layers(self.cfg)
        self.classifier = nn.Linear(512, 10)

    def forward(self, x):
        out = self.features(x)
        return self.classifier(out.view(out.size(0), -1))


# Top-level training code is never run by the grader.
model = LeNet5().to(device)
for epoch in range(10):
    print("training", epoch)
