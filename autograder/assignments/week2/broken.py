"""Broken-but-shape-correct variants of week 2's reference, trained beside it by `calibrate`
(see calibrate/broken.py for what they are for)."""

from __future__ import annotations

from autograder.calibrate.broken import Variant

_VGG_FROZEN = (
    "        self.classifier = nn.Linear(512, 10)\n",
    "        self.classifier = nn.Linear(512, 10)\n"
    "        for p in self.features.parameters():\n            p.requires_grad_(False)\n",
)

VARIANTS: dict[str, tuple[Variant, ...]] = {
    "VGG": (
        Variant("frozen features (only the classifier learns)", "lab3_vgg.py", *_VGG_FROZEN),
        Variant("no BatchNorm", "lab3_vgg.py", "                    nn.BatchNorm2d(x),\n", ""),
        Variant(
            "softmax before CrossEntropyLoss",
            "lab3_vgg.py",
            "        out = self.classifier(out)\n        return out",
            "        out = self.classifier(out)\n        return torch.softmax(out, dim=1)",
        ),
    ),
    "LeNet5": (
        Variant(
            "conv1 frozen",
            "lab1_lenet5.py",
            "        self.conv1 = nn.Conv2d(1, 6, kernel_size=5, padding=2)\n",
            "        self.conv1 = nn.Conv2d(1, 6, kernel_size=5, padding=2).requires_grad_(False)\n",
            caught_by="LeNet5_every_parameter_gets_a_gradient",
        ),
        Variant(
            "no ReLU after conv1",
            "lab1_lenet5.py",
            "self.pool1(self.relu1(self.conv1(x)))",
            "self.pool1(self.conv1(x))",
            caught_by="LeNet5_relu_after_each_hidden_layer",
        ),
    ),
    "FC2Layer": (
        Variant(
            "softmax instead of log_softmax",
            "lab2_mlp_vs_cnn.py",
            "            nn.LogSoftmax(dim=1),\n        )",
            "            nn.Softmax(dim=1),\n        )",
        ),
        Variant(
            "no ReLU",
            "lab2_mlp_vs_cnn.py",
            "            nn.Linear(n_hidden, n_hidden),\n            nn.ReLU(),\n",
            "            nn.Linear(n_hidden, n_hidden),\n",
            caught_by="FC2Layer_relu_between_layers",
        ),
    ),
    "CNN": (
        Variant(
            "conv1 frozen",
            "lab2_mlp_vs_cnn.py",
            "        self.conv1 = nn.Conv2d(in_channels=1, out_channels=n_feature, kernel_size=5)\n",
            "        self.conv1 = nn.Conv2d(in_channels=1, out_channels=n_feature, kernel_size=5).requires_grad_(False)\n",
            caught_by="CNN_every_parameter_gets_a_gradient",
        ),
        Variant(
            "no ReLU after conv2",
            "lab2_mlp_vs_cnn.py",
            "x = F.max_pool2d(F.relu(self.conv2(x)), kernel_size=2)",
            "x = F.max_pool2d(self.conv2(x), kernel_size=2)",
            caught_by="CNN_relu_between_layers",
        ),
    ),
}
