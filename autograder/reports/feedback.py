"""Per-student feedback (feedback.md + PNG plots) and the class summary for the instructor.

Student-facing text is Chinese, keeping code names, shapes and numbers as they are. Plots:
the training-loss curve against the reference's band over the calibration seeds, per-class
accuracy on CIFAR-10, and the permutation lesson (MLP vs CNN, with and without permuted pixels).
"""

from __future__ import annotations

import collections
from pathlib import Path

from autograder.calibrate.table import Calibration
from autograder.config import PARTS
from autograder.results.model import SubmissionResult

CIFAR_CLASSES = ("plane", "car", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
TRAINING = {
    "LeNet5": "LeNet5 · MNIST",
    "FC2Layer": "FC2Layer · MNIST",
    "CNN": "CNN · MNIST",
    "VGG": "VGG · CIFAR-10",
}


CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Heiti SC",
    "Arial Unicode MS",
)
_CJK: list = []


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    if not _CJK:
        installed = {f.name for f in font_manager.fontManager.ttflist}
        _CJK.append(next((name for name in CJK_FONTS if name in installed), None))
        if _CJK[0]:
            plt.rcParams["font.sans-serif"] = [_CJK[0], *plt.rcParams["font.sans-serif"]]
    return plt


def _t(zh: str, en: str) -> str:
    """Chinese with English where a CJK font is installed; English alone where it is not (no boxes)."""
    return f"{zh} {en}" if _CJK and _CJK[0] else en


def _loss_plot(check: str, record: dict, calib: Calibration | None, path: Path) -> None:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.2))
    window = record.get("loss_window", 1)
    steps = [(i + 1) * window for i in range(len(record["losses"]))]
    band = calib[check].loss_band if calib and check in calib.checks else None
    if band:
        ref_steps = [(i + 1) * window for i in range(len(band["mean"]))]
        ax.fill_between(
            ref_steps,
            band["lo"],
            band["hi"],
            color="tab:gray",
            alpha=0.3,
            label=_t("参考实现范围", "reference (min–max)"),
        )
        ax.plot(
            ref_steps,
            band["mean"],
            color="tab:gray",
            lw=1,
            label=_t("参考实现平均", "reference mean"),
        )
    ax.plot(steps, record["losses"], color="tab:blue", lw=1.5, label=_t("你的模型", "your model"))
    ax.set_xlabel("step")
    ax.set_ylabel("training loss")
    ax.set_title(
        f"{TRAINING[check]}: {record['accuracy']:.2f}% ({_t('阈值', 'threshold')} {record['threshold']:.2f}%)"
    )
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _per_class_plot(record: dict, calib: Calibration | None, path: Path) -> None:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 3.2))
    x = list(range(10))
    ax.bar([i - 0.2 for i in x], record["per_class"], width=0.4, label=_t("你的 VGG", "your VGG"))
    ref = calib["VGG"].per_class_mean if calib and "VGG" in calib.checks else None
    if ref:
        ax.bar(
            [i + 0.2 for i in x],
            ref,
            width=0.4,
            color="tab:gray",
            label=_t("参考实现平均", "reference mean"),
        )
    ax.set_xticks(x, CIFAR_CLASSES, fontsize=8)
    ax.set_ylabel("accuracy (%)")
    ax.set_title(_t("CIFAR-10 各类别准确率", "CIFAR-10 per-class accuracy"))
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _lesson_plot(record: dict, path: Path) -> None:
    plt = _pyplot()
    acc = record["accuracy"]
    fig, ax = plt.subplots(figsize=(5, 3.2))
    for i, model in enumerate(("FC2Layer", "CNN")):
        ax.bar(
            i - 0.2,
            acc[model],
            width=0.4,
            color="tab:blue",
            label=_t("原始像素", "original pixels") if i == 0 else None,
        )
        ax.bar(
            i + 0.2,
            acc[f"{model}_perm"],
            width=0.4,
            color="tab:orange",
            label=_t("打乱像素", "permuted pixels") if i == 0 else None,
        )
    ax.set_xticks([0, 1], ["MLP (FC2Layer)" + ("" if record.get("own_mlp") else " *"), "CNN"])
    ax.set_ylim(min(70, min(acc.values()) - 5), 100)
    ax.set_ylabel("test accuracy (%)")
    ax.set_title(_t("打乱像素后 CNN 失去优势", "permuted pixels: the CNN loses its edge"))
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_feedback(result: SubmissionResult, folder: Path, calib: Calibration | None) -> Path:
    """feedback.md (and plots) in folder; returns the Markdown file."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = [
        f"# 第2周作业评分反馈 · {result.submission}",
        "",
        f"**总分 Total: {result.score:g} / {result.max_score:g}**",
        "",
    ]
    if result.grader_error:
        lines += ["> 评分程序出错，本次分数不是最终成绩，教师会重新评分。", ""]
    lines += ["| 部分 part | 得分 score |", "|---|---|"]
    lines += [f"| {part} | {s:g} / {m:g} |" for part, (s, m) in result.part_scores().items() if m]
    lines.append("")
    failed = [t for t in result.tests if not t.passed]
    if failed:
        lines += ["## 未通过的检查 Checks that failed", ""]
        for t in failed:
            lines += [f"### {t.name}（-{t.max_score:g}）", "", "```", t.output.strip(), "```", ""]
    plots = []
    for t in result.tests:
        for check, record in t.data.items():
            if check in TRAINING and record.get("losses"):
                name = f"loss_{check}.png"
                _loss_plot(check, record, calib, folder / name)
                plots.append((f"{TRAINING[check]} 训练损失 training loss", name))
                if check == "VGG" and record.get("per_class"):
                    _per_class_plot(record, calib, folder / "cifar10_per_class.png")
                    plots.append(("CIFAR-10 各类别准确率", "cifar10_per_class.png"))
            elif check == "perm_lesson" and record.get("accuracy"):
                _lesson_plot(record, folder / "perm_lesson.png")
                note = (
                    ""
                    if record.get("own_mlp")
                    else "（* 你的 FC2Layer 未通过全部检查，MLP 用参考实现的平均值）"
                )
                plots.append((f"实验 2 的结论：打乱像素前后的准确率{note}", "perm_lesson.png"))
    if plots:
        lines += ["## 训练结果 Training", ""]
        lines += [f"**{title}**\n\n![{title}]({name})\n" for title, name in plots]
    if result.notes:
        lines += ["## 说明 Notes", ""] + [f"- {n}" for n in result.notes] + [""]
    path = folder / "feedback.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def write_class_summary(results: list[SubmissionResult], out: Path) -> Path:
    """class_summary.md and class_histogram.png: totals and the most common failures per part."""
    plt = _pyplot()
    graded = [r for r in results if not r.grader_error]
    fig, ax = plt.subplots(figsize=(6, 3.2))
    ax.hist([r.score for r in graded], bins=range(0, 105, 5), color="tab:blue", edgecolor="white")
    ax.set_xlabel("total score")
    ax.set_ylabel("students")
    ax.set_title(f"Totals ({len(graded)} graded)")
    fig.tight_layout()
    fig.savefig(out / "class_histogram.png", dpi=110)
    plt.close(fig)
    failures = {p: collections.Counter() for p in PARTS}
    for r in graded:
        for t in r.tests:
            if not t.passed:
                failures[t.part][t.name] += 1
    lines = [
        "# Class summary",
        "",
        f"Graded: {len(graded)}; grader errors: {len(results) - len(graded)}",
        "",
        "![totals](class_histogram.png)",
        "",
        "## Most common failures per part",
        "",
    ]
    for part in PARTS:
        mean = sum(r.part_scores()[part][0] for r in graded) / len(graded) if graded else 0.0
        lines.append(f"### {part} (mean {mean:.1f})")
        top = failures[part].most_common(3)
        lines += [f"- {name}: {n} / {len(graded)}" for name, n in top] or ["- none"]
        lines.append("")
    path = out / "class_summary.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
