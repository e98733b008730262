"""The command line: `python -m autograder <verb> ...`. Each verb calls verbs.<verb>.main."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder import assignment
from autograder.config import GradingConfig

EXAMPLES = """examples:
  python -m autograder grade solutions assignments --out out/          # reference and stubs
  python -m autograder grade class/*/ --out out/ --jobs 2              # a folder of student clones
  python -m autograder grade class/*/ --out out/shard1 --shard 1/4     # one slice of a large class
  python -m autograder check assignments/ --train                      # a student's own check
  python -m autograder calibrate --seeds 20                            # thresholds for this device
  python -m autograder stubs --check                                   # stubs still match solutions?
  python -m autograder notebooks --check                               # nbgrader source notebooks in sync?
  python -m autograder regenerate                                      # everything derived from the declaration
  python -m autograder merge out/shard*/ --out out/all                 # join the slices of a class
  python -m autograder classroom-template build/template               # GitHub Classroom student repo
  python -m autograder gradescope-bundle build/autograder.zip          # Gradescope autograder zip
"""


def _shard(text: str) -> tuple[int, int]:
    try:
        index, count = (int(x) for x in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError("use I/N, e.g. 2/4") from None
    if not 1 <= index <= count:
        raise argparse.ArgumentTypeError("need 1 <= I <= N")
    return index, count


def _grading_options(p: argparse.ArgumentParser) -> None:
    d = GradingConfig()
    p.add_argument(
        "--assignment",
        default=assignment.default_ref(),
        help="the assignment: a package name or folder (default: $AUTOGRADER_ASSIGNMENT, else "
        f"{assignment.DEFAULT}; autograder/assignment.py)",
    )
    p.add_argument(
        "--data-dir",
        type=Path,
        default=d.data_dir,
        help="folder with MNIST and CIFAR-10 (default: $COURSE_DATA_DIR, else download)",
    )
    p.add_argument(
        "--cache-dir",
        type=Path,
        default=d.cache_dir,
        help=f"decoded data and results cache (default: {d.cache_dir})",
    )
    p.add_argument(
        "--seed",
        type=int,
        default=d.seed,
        help="base seed of every random choice (recorded in results)",
    )
    p.add_argument("--device", default=d.device, help="cpu or cuda")
    p.add_argument(
        "--precision",
        choices=("auto", "fp32", "bf16"),
        default=d.precision,
        help="training arithmetic (auto: bf16 where native and calibrated, else fp32)",
    )
    p.add_argument(
        "--jobs",
        type=int,
        default=d.jobs,
        help="submissions graded in parallel (threads are divided)",
    )
    p.add_argument(
        "--timeout", type=float, default=d.timeout, help="time limit (s) of one data-free check"
    )
    p.add_argument(
        "--memory-limit", type=float, default=d.memory_limit_gb, help="memory cap per child, GiB"
    )
    p.add_argument(
        "--training-concurrency",
        choices=("auto", "on", "off"),
        default=d.training_concurrency,
        help="train a submission's checks several at once, ahead of their tests: on a CPU as many "
        "as their threads fit the cores, on a GPU all (auto, the default: on); off: one by one",
    )
    p.add_argument("--no-cache", action="store_true", help="retrain even identical code")
    p.add_argument(
        "--no-isolation", action="store_true", help="no namespaces/uid drop (debugging only)"
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar or table")


def _parts_option(p: argparse.ArgumentParser, verb: str) -> None:
    p.add_argument(
        "--parts",
        nargs="+",
        metavar="PART",
        help=f"{verb} only these parts (default: all; the assignment's part names)",
    )


def _parts(args, parser: argparse.ArgumentParser) -> tuple[str, ...]:
    """--parts, checked against the assignment's parts (empty: all of them)."""
    try:
        known = assignment.load(args.assignment).part_names
    except (ImportError, ValueError) as exc:
        parser.error(f"--assignment {args.assignment}: {exc}")
    unknown = [p for p in args.parts or () if p not in known]
    if unknown:
        parser.error(f"--parts: unknown {', '.join(unknown)} (choose from {', '.join(known)})")
    return tuple(args.parts or known)


def _config(args, **extra) -> GradingConfig:
    return GradingConfig(
        assignment=args.assignment,
        data_dir=args.data_dir,
        cache_dir=args.cache_dir,
        seed=args.seed,
        device=args.device,
        precision=args.precision,
        jobs=args.jobs,
        timeout=args.timeout,
        memory_limit_gb=args.memory_limit,
        result_cache=not args.no_cache,
        namespaces=not args.no_isolation,
        training_concurrency=args.training_concurrency,
        **extra,
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m autograder",
        description="Course autograder (default assignment: week 2, CNNs)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=EXAMPLES,
    )
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")

    p = verbs.add_parser("grade", help="grade submissions with the hidden suites")
    p.add_argument(
        "submissions", nargs="+", type=Path, help=".py files, .ipynb notebooks or folders"
    )
    p.add_argument(
        "--out",
        type=Path,
        required=True,
        help="output folder (results.json per submission, grades.csv)",
    )
    p.add_argument(
        "--shard", type=_shard, help="grade only slice I of N (by name); join with `merge`"
    )
    _parts_option(p, "grade")
    p.add_argument("--no-training", action="store_true", help="data-free checks only")
    p.add_argument(
        "--no-feedback", action="store_true", help="skip feedback.md, plots and the class summary"
    )
    _grading_options(p)

    p = verbs.add_parser(
        "check", help="students: run the public checks on your work (no hidden tests)"
    )
    p.add_argument("path", type=Path, help="your notebook, .py file or folder")
    p.add_argument(
        "--train", action="store_true", help="also run the training checks (about a minute on CPU)"
    )
    _parts_option(p, "check")
    _grading_options(p)

    p = verbs.add_parser(
        "canary",
        help="check this machine: the reference must get full marks (grade does this first)",
    )
    _parts_option(p, "check")
    p.add_argument("--no-training", action="store_true", help="data-free checks only")
    _grading_options(p)

    p = verbs.add_parser(
        "calibrate", help="train the reference over many seeds; write the thresholds table"
    )
    p.add_argument(
        "--seeds", type=int, default=20, help="number of seeds (>= 20 for the committed table)"
    )
    p.add_argument("--first-seed", type=int, default=100)
    p.add_argument(
        "--out", type=Path, help="where to write the table (default: the package's table)"
    )
    p.add_argument(
        "--time-budget", type=float, help="stop after the seeds that fit in this many seconds"
    )
    p.add_argument(
        "--checks",
        nargs="+",
        help="recalibrate only these training checks (keep the table's others)",
    )
    p.add_argument(
        "--broken-seeds",
        type=int,
        default=3,
        help="seeds for the broken variants reported beside each threshold (0: skip)",
    )
    p.add_argument(
        "--k-sigma",
        type=float,
        default=4.0,
        help="threshold = mean - k * predictive std (4: false fail with retry ~1e-9; 3: ~2e-6)",
    )
    p.add_argument(
        "--emulated-bf16",
        action="store_true",
        help="with --precision bf16 on a CPU without native bf16: measure bf16's accuracies anyway "
        "(~20x slower; the table says it was emulated)",
    )
    _grading_options(p)

    p = verbs.add_parser(
        "stubs", help="derive assignments/ from solutions/ (--check: fail on drift)"
    )
    p.add_argument("--check", action="store_true")

    p = verbs.add_parser(
        "notebooks",
        help="build source/week2_cnn/ notebooks from solutions/ (--check: fail on drift)",
    )
    p.add_argument("--check", action="store_true")

    p = verbs.add_parser(
        "regenerate",
        help="write everything derived from the assignment's declaration: stubs, notebooks, the "
        "self-check file, the release, Classroom's workflow, the docs' tables (--check: fail on drift)",
    )
    p.add_argument("--check", action="store_true")
    p.add_argument(
        "--no-release", action="store_true", help="skip nbgrader generate_assignment (release/)"
    )
    p.add_argument(
        "--assignment",
        default=assignment.default_ref(),
        help="the assignment: a package name or folder (default: $AUTOGRADER_ASSIGNMENT, else "
        f"{assignment.DEFAULT})",
    )

    p = verbs.add_parser(
        "merge", help="join the output folders of `grade --shard I/N` runs into one"
    )
    p.add_argument("shards", nargs="+", type=Path, help="the shards' --out folders")
    p.add_argument(
        "--out",
        type=Path,
        required=True,
        help="output folder (as one unsharded `grade` run writes)",
    )
    p.add_argument(
        "--no-feedback", action="store_true", help="skip feedback.md, plots and the class summary"
    )
    p.add_argument("--quiet", action="store_true", help="no score table")

    p = verbs.add_parser(
        "classroom-template",
        help="build the GitHub Classroom template repository (public checks only)",
    )
    p.add_argument("out", type=Path, help="a new or empty folder")
    p = verbs.add_parser(
        "gradescope-bundle", help="build the Gradescope autograder zip (holds the hidden suites)"
    )
    p.add_argument("out", type=Path, help="the zip file to write, e.g. build/autograder.zip")
    return parser


def run(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.verb == "grade":
        from autograder.verbs import grade

        config = _config(args, parts=_parts(args, parser), training=not args.no_training)
        return grade.main(
            submissions=args.submissions,
            out=args.out,
            config=config,
            shard=args.shard,
            quiet=args.quiet,
            feedback=not args.no_feedback,
        )
    if args.verb == "check":
        from autograder.verbs import check

        config = _config(args, parts=_parts(args, parser), training=args.train)
        return check.main(path=args.path, config=config, quiet=args.quiet)
    if args.verb == "canary":
        from autograder.verbs import canary

        return canary.main(
            config=_config(args, parts=_parts(args, parser), training=not args.no_training),
            quiet=args.quiet,
        )
    if args.verb == "calibrate":
        from autograder.verbs import calibrate

        return calibrate.main(
            config=_config(args),
            seeds=args.seeds,
            first_seed=args.first_seed,
            out=args.out,
            quiet=args.quiet,
            budget_s=args.time_budget,
            checks=tuple(args.checks) if args.checks else None,
            broken_seeds=args.broken_seeds,
            k_sigma=args.k_sigma,
            emulated_bf16=args.emulated_bf16,
        )
    if args.verb == "stubs":
        from autograder.verbs import stubs

        return stubs.main(check=args.check)
    if args.verb == "notebooks":
        from autograder.verbs import notebooks

        return notebooks.main(check=args.check)
    if args.verb == "regenerate":
        from autograder.verbs import regenerate

        try:
            spec = assignment.load(args.assignment)
        except (ImportError, ValueError) as exc:
            parser.error(f"--assignment {args.assignment}: {exc}")
        return regenerate.main(spec=spec, check=args.check, release=not args.no_release)
    if args.verb == "merge":
        from autograder.verbs import merge

        return merge.main(
            shards=args.shards, out=args.out, feedback=not args.no_feedback, quiet=args.quiet
        )
    if args.verb == "classroom-template":
        from autograder.verbs import classroom

        return classroom.main(out=args.out)
    if args.verb == "gradescope-bundle":
        from autograder.verbs import gradescope_bundle

        return gradescope_bundle.main(out=args.out)
    raise AssertionError(args.verb)


EXIT_USAGE, EXIT_BUG = 2, 3


def main(argv=None) -> None:
    """Exit status: 0 done (whatever the scores); 2 the grader could not do its job (bad setup,
    e.g. a cache folder that is a file, or a failure while grading); 3 a bug in the grader."""
    try:
        code = run(argv)
    except KeyboardInterrupt:
        code = 130
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        code = EXIT_USAGE
    except Exception:  # a bug: say so plainly, with the details an instructor can report
        import traceback

        print("internal error in the autograder (a bug, not a student's fault):", file=sys.stderr)
        traceback.print_exc()
        code = EXIT_BUG
    sys.exit(code)
