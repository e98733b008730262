"""Every parameter frozen (a fine-tuning snippet gone wrong): the model cannot learn at all."""
import torch.nn as nn


class VGG(nn.Module):
    def __init__(self):
        super().__init__()
        self.cfg = [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M']
        layers, c = [], 3
        for x in self.cfg:
            if x == 'M':
                layers.append(nn.MaxPool2d(2, 2))
            else:
                layers += [nn.Conv2d(c, x, 3, padding=1), nn.BatchNorm2d(x), nn.ReLU(inplace=True)]
                c = x
        self.features = nn.Sequential(*layers, nn.AvgPool2d(1, 1))
        self.classifier = nn.Linear(512, 10)
        for p in self.parameters():
            p.requires_grad = False

    def forward(self, x):
        return self.classifier(self.features(x).view(x.size(0), -1))
