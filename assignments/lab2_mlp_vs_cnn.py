"""实验 2：使用参数接近的 MLP 和 CNN 分别对 MNIST 数据集分类（讲义 4.2 节）。

Lab 2: an MLP and a CNN with about the same number of parameters, on MNIST and on
pixel-permuted MNIST. 只需补全标有 START/END OF YOUR CODE 的区域。
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


def get_n_params(model):
    """返回模型中参数（权重与偏置）元素的总数 (int)。

    例如 get_n_params(FC2Layer(784, 8, 10)) == 6442，get_n_params(CNN(784, 6, 10)) == 6422。
    """
    n_params = 0
    # ===== START OF YOUR CODE 你的代码从这里开始 (DO NOT DELETE/MODIFY THIS LINE) =====
    raise NotImplementedError("请完成 get_n_params：在 START/END OF YOUR CODE 之间补全代码 (not implemented yet: complete get_n_params)")
    # ===== END OF YOUR CODE 你的代码到这里结束 (DO NOT DELETE/MODIFY THIS LINE) =====
    return n_params


class FC2Layer(nn.Module):
    """两个隐藏层的全连接网络 (MLP)。

    结构：Linear(input_size, n_hidden) → ReLU → Linear(n_hidden, n_hidden) → ReLU
          → Linear(n_hidden, output_size) → LogSoftmax(dim=1)

    输入 x: (N, 1, 28, 28) 或 (N, 784)，在 forward 中展平为 (N, input_size)；
    输出: (N, output_size) 的对数概率 (log-probabilities)，训练时配合 F.nll_loss 使用。
    FC2Layer(784, 8, 10) 共有 6,442 个参数。
    """

    def __init__(self, input_size, n_hidden, output_size):
        super(FC2Layer, self).__init__()
        self.input_size = input_size
        # ===== START OF YOUR CODE 你的代码从这里开始 (DO NOT DELETE/MODIFY THIS LINE) =====
        raise NotImplementedError("请完成 FC2Layer.__init__：在 START/END OF YOUR CODE 之间补全代码 (not implemented yet: complete FC2Layer.__init__)")
        # ===== END OF YOUR CODE 你的代码到这里结束 (DO NOT DELETE/MODIFY THIS LINE) =====

    def forward(self, x):
        """x: (N, 1, 28, 28) -> 对数概率 log-probabilities: (N, output_size)。"""
        out = None
        # ===== START OF YOUR CODE 你的代码从这里开始 (DO NOT DELETE/MODIFY THIS LINE) =====
        raise NotImplementedError("请完成 FC2Layer.forward：在 START/END OF YOUR CODE 之间补全代码 (not implemented yet: complete FC2Layer.forward)")
        # ===== END OF YOUR CODE 你的代码到这里结束 (DO NOT DELETE/MODIFY THIS LINE) =====
        return out


class CNN(nn.Module):
    """参数量与 FC2Layer 接近的小型卷积网络。

    各层输出形状（N 为 batch 大小，n_feature 为特征图个数）：

        输入 x                 (N, 1, 28, 28)
        conv1 + ReLU           (N, n_feature, 24, 24)   Conv2d(1, n_feature, kernel_size=5)
        max_pool2d(2)          (N, n_feature, 12, 12)
        conv2 + ReLU           (N, n_feature, 8, 8)     Conv2d(n_feature, n_feature, kernel_size=5)
        max_pool2d(2)          (N, n_feature, 4, 4)
        展平 (flatten)          (N, n_feature*4*4)
        fc1 + ReLU             (N, 50)                  Linear(n_feature*4*4, 50)
        fc2 + log_softmax      (N, output_size)         Linear(50, output_size)

    输出为对数概率，训练时配合 F.nll_loss 使用。CNN(784, 6, 10) 共有 6,422 个参数。
    """

    def __init__(self, input_size, n_feature, output_size):
        super(CNN, self).__init__()
        self.n_feature = n_feature
        # ===== START OF YOUR CODE 你的代码从这里开始 (DO NOT DELETE/MODIFY THIS LINE) =====
        raise NotImplementedError("请完成 CNN.__init__：在 START/END OF YOUR CODE 之间补全代码 (not implemented yet: complete CNN.__init__)")
        # ===== END OF YOUR CODE 你的代码到这里结束 (DO NOT DELETE/MODIFY THIS LINE) =====

    def forward(self, x, verbose=False):
        """x: (N, 1, 28, 28) -> 对数概率 log-probabilities: (N, output_size)。"""
        out = None
        # ===== START OF YOUR CODE 你的代码从这里开始 (DO NOT DELETE/MODIFY THIS LINE) =====
        raise NotImplementedError("请完成 CNN.forward：在 START/END OF YOUR CODE 之间补全代码 (not implemented yet: complete CNN.forward)")
        # ===== END OF YOUR CODE 你的代码到这里结束 (DO NOT DELETE/MODIFY THIS LINE) =====
        return out


def perm_pixel(data, perm):
    """用同一个排列 perm 打乱每张图像的像素顺序。

    data: (N, 1, 28, 28) 张量；perm: 长度 784 的 LongTensor（例如 torch.randperm(784)）。
    返回: (N, 1, 28, 28)，等于 data.view(-1, 784)[:, perm] 再恢复为 4 维。
    不要修改输入 data；不要在函数里重新生成 perm；结果与 data 在同一设备上。
    """
    data_new = None
    # ===== START OF YOUR CODE 你的代码从这里开始 (DO NOT DELETE/MODIFY THIS LINE) =====
    raise NotImplementedError("请完成 perm_pixel：在 START/END OF YOUR CODE 之间补全代码 (not implemented yet: complete perm_pixel)")
    # ===== END OF YOUR CODE 你的代码到这里结束 (DO NOT DELETE/MODIFY THIS LINE) =====
    return data_new


def main(n_hidden=8, n_features=6, num_epochs=1):
    """讲义第一步到第五步：MLP 与 CNN 在原始 / 打乱像素的 MNIST 上各训练 num_epochs 轮。"""
    import torch.optim as optim
    from torch.utils.data import DataLoader
    from torchvision import transforms

    from course_data import mnist

    device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    train_loader = DataLoader(mnist(train=True, transform=transform), batch_size=64, shuffle=True)
    test_loader = DataLoader(mnist(train=False, transform=transform), batch_size=1000, shuffle=False)

    def run(model, perm=None):
        model.to(device)
        optimizer = optim.SGD(model.parameters(), lr=0.01, momentum=0.5)
        print(f"Number of parameters: {get_n_params(model)}")
        for _ in range(num_epochs):
            model.train()
            for data, target in train_loader:
                data, target = data.to(device), target.to(device)
                if perm is not None:
                    data = perm_pixel(data, perm)
                loss = F.nll_loss(model(data), target)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
        model.eval()
        correct = 0
        with torch.no_grad():
            for data, target in test_loader:
                data, target = data.to(device), target.to(device)
                if perm is not None:
                    data = perm_pixel(data, perm)
                correct += model(data).argmax(1).eq(target).sum().item()
        accuracy = 100.0 * correct / len(test_loader.dataset)
        print(f"Test set: Accuracy: {correct}/{len(test_loader.dataset)} ({accuracy:.0f}%)")
        return accuracy

    perm = torch.randperm(784).to(device)
    return {
        "FC2Layer": run(FC2Layer(28 * 28, n_hidden, 10)),
        "CNN": run(CNN(28 * 28, n_features, 10)),
        "FC2Layer (perm)": run(FC2Layer(28 * 28, n_hidden, 10), perm),
        "CNN (perm)": run(CNN(28 * 28, n_features, 10), perm),
    }


if __name__ == "__main__":
    main()
