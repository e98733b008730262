"""实验 1：使用 LeNet-5 对 MNIST 数据集分类（讲义 4.1 节）。

Lab 1: LeNet-5 on MNIST. 只需补全标有 START/END OF YOUR CODE 的区域；
``python lab1_lenet5.py`` 会按讲义的设置（Adam, lr=1e-3, batch_size=64）训练并测试。
"""
import torch
import torch.nn as nn


class LeNet5(nn.Module):
    """LeNet-5，输入为 MNIST 的 28×28 灰度图。

    conv1 使用 padding=2，使第一次卷积后的特征图仍为 28×28（讲义第三步）。
    各层输出形状（N 为 batch 大小）：

        输入 x            (N, 1, 28, 28)
        conv1 + ReLU      (N, 6, 28, 28)    Conv2d(1, 6, kernel_size=5, padding=2)
        pool1             (N, 6, 14, 14)    MaxPool2d(kernel_size=2, stride=2)
        conv2 + ReLU      (N, 16, 10, 10)   Conv2d(6, 16, kernel_size=5)
        pool2             (N, 16, 5, 5)     MaxPool2d(kernel_size=2, stride=2)
        展平 (flatten)     (N, 400)
        fc1 + ReLU        (N, 120)          Linear(400, 120)
        fc2 + ReLU        (N, 84)           Linear(120, 84)
        fc3               (N, 10)           Linear(84, 10)，输出原始得分（不做 softmax）

    参数总数为 61,706。训练时配合 nn.CrossEntropyLoss 使用。
    """

    def __init__(self):
        super(LeNet5, self).__init__()
        # ===== START OF YOUR CODE 你的代码从这里开始 (DO NOT DELETE/MODIFY THIS LINE) =====
        raise NotImplementedError("请完成 LeNet5.__init__：在 START/END OF YOUR CODE 之间补全代码 (not implemented yet: complete LeNet5.__init__)")
        # ===== END OF YOUR CODE 你的代码到这里结束 (DO NOT DELETE/MODIFY THIS LINE) =====

    def forward(self, x):
        """x: (N, 1, 28, 28) float32 -> 得分 scores: (N, 10)。"""
        out = None
        # ===== START OF YOUR CODE 你的代码从这里开始 (DO NOT DELETE/MODIFY THIS LINE) =====
        raise NotImplementedError("请完成 LeNet5.forward：在 START/END OF YOUR CODE 之间补全代码 (not implemented yet: complete LeNet5.forward)")
        # ===== END OF YOUR CODE 你的代码到这里结束 (DO NOT DELETE/MODIFY THIS LINE) =====
        return out


def main(num_epochs=10, batch_size=64, learning_rate=0.001):
    """讲义第一步到第七步：在 MNIST 上训练并测试 LeNet5，返回最好的测试准确率 (%)。"""
    import torch.optim as optim
    from torch.utils.data import DataLoader
    from torchvision import transforms

    from course_data import mnist

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    transform = transforms.Compose([
        transforms.ToTensor(),
        transforms.Normalize((0.1307,), (0.3081,)),
    ])
    train_loader = DataLoader(mnist(train=True, transform=transform), batch_size=batch_size, shuffle=True)
    test_loader = DataLoader(mnist(train=False, transform=transform), batch_size=batch_size, shuffle=False)

    model = LeNet5().to(device)
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=learning_rate)
    best_accuracy = 0.0
    for epoch in range(num_epochs):
        model.train()
        for batch_idx, (images, labels) in enumerate(train_loader):
            images, labels = images.to(device), labels.to(device)
            loss = criterion(model(images), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if (batch_idx + 1) % 100 == 0:
                print(f"Epoch [{epoch + 1}/{num_epochs}], Step [{batch_idx + 1}/{len(train_loader)}], "
                      f"Loss: {loss.item():.4f}")
        model.eval()
        correct = 0
        with torch.no_grad():
            for images, labels in test_loader:
                images, labels = images.to(device), labels.to(device)
                correct += (model(images).argmax(1) == labels).sum().item()
        accuracy = 100.0 * correct / len(test_loader.dataset)
        print(f"Test Accuracy: {accuracy:.2f}%")
        best_accuracy = max(best_accuracy, accuracy)
    print(f"Best Test Accuracy: {best_accuracy:.2f}%")
    return best_accuracy


if __name__ == "__main__":
    main()
