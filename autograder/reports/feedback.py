"""Per-student feedback (feedback.md + PNG plots) and the class summary for the instructor.

Student-facing text is Chinese, keeping code names, shapes and numbers as they are. Plots: the
training-loss curve of each training check against the reference's band over the calibration
seeds, and whatever the assignment's own `feedback.plots` draws from a test's record.
"""

from __future__ import annotations

import collections
from pathlib import Path

from autograder.assignment import Assignment
from autograder.calibrate.table import Calibration
from autograder.results.model import SubmissionResult

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


def pyplot():
    """matplotlib's pyplot, headless, with a CJK font where one is installed."""
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


def bilingual(zh: str, en: str) -> str:
    """Chinese with English where a CJK font is installed; English alone where it is not (no boxes)."""
    return f"{zh} {en}" if _CJK and _CJK[0] else en


def _training_titles(spec: Assignment) -> dict[str, str]:
    """Training check -> the heading of its plots (every device kind's checks)."""
    return {name: c.title for kind in spec.training.values() for name, c in kind.items() if c.title}


def _loss_plot(check: str, title: str, record: dict, calib: Calibration | None, path: Path) -> None:
    plt = pyplot()
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
            label=bilingual("参考实现范围", "reference (min–max)"),
        )
        ax.plot(
            ref_steps,
            band["mean"],
            color="tab:gray",
            lw=1,
            label=bilingual("参考实现平均", "reference mean"),
        )
    ax.plot(
        steps, record["losses"], color="tab:blue", lw=1.5, label=bilingual("你的模型", "your model")
    )
    ax.set_xlabel("step")
    ax.set_ylabel("training loss")
    ax.set_title(
        f"{title}: {record['accuracy']:.2f}% ({bilingual('阈值', 'threshold')} {record['threshold']:.2f}%)"
    )
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_feedback(
    result: SubmissionResult, folder: Path, calib: Calibration | None, spec: Assignment
) -> Path:
    """feedback.md (and plots) in folder; returns the Markdown file."""
    folder.mkdir(parents=True, exist_ok=True)
    titles = _training_titles(spec)
    lines = [
        f"# {spec.title}评分反馈 · {result.submission}",
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
            if check in titles and record.get("losses"):
                name = f"loss_{check}.png"
                _loss_plot(check, titles[check], record, calib, folder / name)
                plots.append((f"{titles[check]} 训练损失 training loss", name))
            if spec.feedback is not None:
                plots += spec.feedback.plots(check, record, calib, folder)
    if plots:
        lines += ["## 训练结果 Training", ""]
        lines += [f"**{title}**\n\n![{title}]({name})\n" for title, name in plots]
    if result.notes:
        lines += ["## 说明 Notes", ""] + [f"- {n}" for n in result.notes] + [""]
    path = folder / "feedback.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def write_class_summary(results: list[SubmissionResult], out: Path, spec: Assignment) -> Path:
    """class_summary.md and class_histogram.png: totals and the most common failures per part."""
    plt = pyplot()
    top_bin = int(spec.total_points) + 5
    graded = [r for r in results if not r.grader_error]
    fig, ax = plt.subplots(figsize=(6, 3.2))
    ax.hist(
        [r.score for r in graded], bins=range(0, top_bin, 5), color="tab:blue", edgecolor="white"
    )
    ax.set_xlabel("total score")
    ax.set_ylabel("students")
    ax.set_title(f"Totals ({len(graded)} graded)")
    fig.tight_layout()
    fig.savefig(out / "class_histogram.png", dpi=110)
    plt.close(fig)
    failures = {p: collections.Counter() for p in spec.part_names}
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
    for part in spec.part_names:
        mean = sum(r.part_scores()[part][0] for r in graded) / len(graded) if graded else 0.0
        lines.append(f"### {part} (mean {mean:.1f})")
        top = failures[part].most_common(3)
        lines += [f"- {name}: {n} / {len(graded)}" for name, n in top] or ["- none"]
        lines.append("")
    path = out / "class_summary.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
