"""cfg with a pooling moved: same layers and parameter count, but 128-channel maps at full size."""
import torch.nn as nn


class VGG(nn.Module):
    def __init__(self):
        super().__init__()
        self.cfg = [64, 128, 'M', 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M']
        layers, c = [], 3
        for x in self.cfg:
            if x == 'M':
                layers.append(nn.MaxPool2d(2, 2))
            else:
                layers += [nn.Conv2d(c, x, 3, padding=1), nn.BatchNorm2d(x), nn.ReLU(inplace=True)]
                c = x
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(512, 10)

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))
