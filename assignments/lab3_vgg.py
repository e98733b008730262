"""实验 3：VGG 对 CIFAR10 分类（讲义 4.3 节）。

Lab 3: a BatchNorm VGG on CIFAR-10, built from the list ``cfg``.
只需补全标有 START/END OF YOUR CODE 的区域。
"""
import torch
import torch.nn as nn


class VGG(nn.Module):
    """为 32×32 输入简化的 VGG（讲义第二步）。

    self.cfg 描述特征提取部分：数字是 3×3 卷积 (padding=1) 的输出通道数，每个卷积后接
    BatchNorm2d 和 ReLU；'M' 是 MaxPool2d(kernel_size=2, stride=2)。最后接 AvgPool2d(1, 1)。

        self.cfg = [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M']

    形状：x (N, 3, 32, 32) → self.features → (N, 512, 1, 1) → 展平 (N, 512)
          → self.classifier = Linear(512, 10) → 得分 scores (N, 10)（不做 softmax）。
    参数总数为 9,231,114。训练时配合 nn.CrossEntropyLoss 使用。
    """

    def __init__(self):
        super(VGG, self).__init__()
        self.cfg = None
        # ===== START OF YOUR CODE 你的代码从这里开始 (DO NOT DELETE/MODIFY THIS LINE) =====
        raise NotImplementedError("请完成 VGG.__init__：在 START/END OF YOUR CODE 之间补全代码 (not implemented yet: complete VGG.__init__)")
        # ===== END OF YOUR CODE 你的代码到这里结束 (DO NOT DELETE/MODIFY THIS LINE) =====
        self.features = self._make_layers(self.cfg)
        self.classifier = nn.Linear(512, 10)

    def forward(self, x):
        """x: (N, 3, 32, 32) -> 得分 scores: (N, 10)。"""
        out = self.features(x)
        out = out.view(out.size(0), -1)
        out = self.classifier(out)
        return out

    def _make_layers(self, cfg):
        """按 cfg 依次构建层，返回 nn.Sequential。

        数字 x：Conv2d(in_channels, x, kernel_size=3, padding=1) → BatchNorm2d(x) → ReLU(inplace=True)，
        然后 in_channels = x（第一层 in_channels = 3）；'M'：MaxPool2d(kernel_size=2, stride=2)。
        最后追加 AvgPool2d(kernel_size=1, stride=1)。
        """
        layers = []
        # ===== START OF YOUR CODE 你的代码从这里开始 (DO NOT DELETE/MODIFY THIS LINE) =====
        raise NotImplementedError("请完成 VGG._make_layers：在 START/END OF YOUR CODE 之间补全代码 (not implemented yet: complete VGG._make_layers)")
        # ===== END OF YOUR CODE 你的代码到这里结束 (DO NOT DELETE/MODIFY THIS LINE) =====
        return nn.Sequential(*layers)


def main(epochs=10):
    """讲义第一步到第七步：训练 VGG，画出曲线并打印各类别准确率。"""
    import torch.optim as optim
    from torch.utils.data import DataLoader
    from torchvision import transforms
    from tqdm import tqdm

    from course_data import cifar10

    device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
    normalize = transforms.Normalize((0.4914, 0.4822, 0.4465), (0.2023, 0.1994, 0.2010))
    transform_train = transforms.Compose([
        transforms.RandomCrop(32, padding=4), transforms.RandomHorizontalFlip(),
        transforms.ToTensor(), normalize])
    transform_test = transforms.Compose([transforms.ToTensor(), normalize])
    trainloader = DataLoader(cifar10(train=True, transform=transform_train), batch_size=128, shuffle=True,
                             num_workers=2)
    testloader = DataLoader(cifar10(train=False, transform=transform_test), batch_size=128, shuffle=False,
                            num_workers=2)

    model = VGG().to(device)
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=0.001)
    best_acc = 0.0
    for epoch in range(1, epochs + 1):
        model.train()
        for inputs, targets in tqdm(trainloader, desc=f"Epoch {epoch}"):
            inputs, targets = inputs.to(device), targets.to(device)
            loss = criterion(model(inputs), targets)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        model.eval()
        correct = 0
        with torch.no_grad():
            for inputs, targets in testloader:
                inputs, targets = inputs.to(device), targets.to(device)
                correct += model(inputs).argmax(1).eq(targets).sum().item()
        acc = 100.0 * correct / len(testloader.dataset)
        print(f"Test Accuracy: {acc:.2f}%")
        best_acc = max(best_acc, acc)
    return best_acc


if __name__ == "__main__":
    main()
