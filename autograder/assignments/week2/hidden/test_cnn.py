"""Lab 2: the CNN, and the lab's lesson on permuted pixels. Its points add up to the part's, as declared in ../__init__.py."""
import pytest

from autograder.assignments.week2 import stages
from autograder.suites import checks
from autograder.suites.errors import CheckFailed

pytestmark = pytest.mark.visibility("after_due_date")
IMAGE = (1, 28, 28)
HANDOUT = (784, 6, 10)
# The student's FC2Layer stands in for the MLP only when these passed; otherwise the reference's numbers do.
MLP_TRUSTED_WHEN = ("FC2Layer_outputs_log_probabilities", "FC2Layer_relu_between_layers", "FC2Layer_trains_on_mnist")


@pytest.mark.points(2)
def CNN_parameter_count_handout_sizes(sub):
    checks.param_count(sub, "CNN", HANDOUT, 6422)


@pytest.mark.points(2)
def CNN_parameter_count_other_sizes(sub):
    checks.param_count(sub, "CNN", (784, 8, 10), 8776, "n_feature 是否被使用？是否把尺寸写死了？")
    checks.param_count(sub, "CNN", (784, 4, 10), 4268, "n_feature 是否被使用？")


@pytest.mark.points(2)
def CNN_intermediate_shapes(sub):
    checks.stage_shapes(sub, "CNN", HANDOUT, IMAGE, 4, stages.cnn_stages(6))


@pytest.mark.points(1)
def CNN_output_shape(sub):
    checks.output_shape(sub, "CNN", HANDOUT, IMAGE, (1, 64), 10, stages.cnn_stages(6))


@pytest.mark.points(2)
def CNN_outputs_log_probabilities(sub):
    checks.log_probabilities(sub, "CNN", HANDOUT, IMAGE)


@pytest.mark.points(1)
def CNN_relu_between_layers(sub):
    checks.relu_between_layers(sub, "CNN", HANDOUT, IMAGE)


@pytest.mark.points(1)
def CNN_every_parameter_gets_a_gradient(sub):
    checks.gradients(sub, "CNN", HANDOUT, IMAGE)


@pytest.mark.training("CNN")
@pytest.mark.depends("CNN_output_shape")
@pytest.mark.points(4)
def CNN_trains_on_mnist(sub):
    checks.trains(sub, "CNN")


@pytest.mark.training("CNN", "CNN_perm", "FC2Layer", "FC2Layer_perm")
@pytest.mark.depends("CNN_trains_on_mnist")
@pytest.mark.points(5)
def CNN_loses_more_than_FC2Layer_on_permuted_pixels(sub, outcomes):
    perm_fn = checks.own_transform(outcomes, sub.config.spec)
    own_mlp = all(outcomes[n].passed for n in MLP_TRUSTED_WHEN if n in outcomes) and all(n in outcomes for n in MLP_TRUSTED_WHEN)
    lesson = sub.calibration["perm_lesson"]
    attempts = []
    for seed in sub.seeds():
        acc = {"CNN": sub.train_run("CNN", seed).accuracy, "CNN_perm": sub.train_run("CNN_perm", seed, perm_fn).accuracy}
        for check in ("FC2Layer", "FC2Layer_perm"):
            acc[check] = (sub.train_run(check, seed, perm_fn if check.endswith("perm") else None).accuracy
                          if own_mlp else sub.reference(check))
        cnn_drop, mlp_drop = acc["CNN"] - acc["CNN_perm"], acc["FC2Layer"] - acc["FC2Layer_perm"]
        attempts.append((seed, cnn_drop, mlp_drop))
        sub.record["perm_lesson"] = {"attempts": attempts, "accuracy": acc, "threshold": lesson.threshold,
                                     "reference_mean": lesson.mean, "own_perm_pixel": perm_fn is not None,
                                     "own_mlp": own_mlp}
        if cnn_drop - mlp_drop >= lesson.threshold:
            return
    seed, cnn_drop, mlp_drop = attempts[-1]
    raise CheckFailed(f"打乱像素后 CNN 的准确率下降 {cnn_drop:.1f} 个百分点，MLP 下降 {mlp_drop:.1f}；"
                      f"CNN 应比 MLP 多下降至少 {lesson.threshold:.1f}（参考实现平均多 {lesson.mean:.1f}）。"
                      f"CNN 是否真的用卷积利用了像素的局部关系？(the CNN should lose clearly more than the MLP)")
