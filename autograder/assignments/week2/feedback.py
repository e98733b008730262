"""Week 2's own feedback plots: per-class accuracy of the VGG on CIFAR-10, and the permutation
lesson (MLP vs CNN, with and without permuted pixels). reports/feedback.py calls `plots` for
every record a test left; the loss curves of the training checks are the engine's.
"""

from __future__ import annotations

from pathlib import Path

from autograder.calibrate.table import Calibration
from autograder.reports.feedback import bilingual, pyplot

CIFAR_CLASSES = ("plane", "car", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")


def plots(
    check: str, record: dict, calib: Calibration | None, folder: Path
) -> list[tuple[str, str]]:
    """(title, file name) of the plots drawn into folder for one record of a test."""
    if check == "VGG" and record.get("losses") and record.get("per_class"):
        _per_class_plot(record, calib, folder / "cifar10_per_class.png")
        return [("CIFAR-10 各类别准确率", "cifar10_per_class.png")]
    if check == "perm_lesson" and record.get("accuracy"):
        _lesson_plot(record, folder / "perm_lesson.png")
        note = (
            ""
            if record.get("own_mlp")
            else "（* 你的 FC2Layer 未通过全部检查，MLP 用参考实现的平均值）"
        )
        return [(f"实验 2 的结论：打乱像素前后的准确率{note}", "perm_lesson.png")]
    return []


def _per_class_plot(record: dict, calib: Calibration | None, path: Path) -> None:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 3.2))
    x = list(range(10))
    ax.bar(
        [i - 0.2 for i in x],
        record["per_class"],
        width=0.4,
        label=bilingual("你的 VGG", "your VGG"),
    )
    ref = calib["VGG"].per_class_mean if calib and "VGG" in calib.checks else None
    if ref:
        ax.bar(
            [i + 0.2 for i in x],
            ref,
            width=0.4,
            color="tab:gray",
            label=bilingual("参考实现平均", "reference mean"),
        )
    ax.set_xticks(x, CIFAR_CLASSES, fontsize=8)
    ax.set_ylabel("accuracy (%)")
    ax.set_title(bilingual("CIFAR-10 各类别准确率", "CIFAR-10 per-class accuracy"))
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _lesson_plot(record: dict, path: Path) -> None:
    plt = pyplot()
    acc = record["accuracy"]
    fig, ax = plt.subplots(figsize=(5, 3.2))
    for i, model in enumerate(("FC2Layer", "CNN")):
        ax.bar(
            i - 0.2,
            acc[model],
            width=0.4,
            color="tab:blue",
            label=bilingual("原始像素", "original pixels") if i == 0 else None,
        )
        ax.bar(
            i + 0.2,
            acc[f"{model}_perm"],
            width=0.4,
            color="tab:orange",
            label=bilingual("打乱像素", "permuted pixels") if i == 0 else None,
        )
    ax.set_xticks([0, 1], ["MLP (FC2Layer)" + ("" if record.get("own_mlp") else " *"), "CNN"])
    ax.set_ylim(min(70, min(acc.values()) - 5), 100)
    ax.set_ylabel("test accuracy (%)")
    ax.set_title(bilingual("打乱像素后 CNN 失去优势", "permuted pixels: the CNN loses its edge"))
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
