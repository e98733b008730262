"""Lab 2: the MLP FC2Layer, and get_n_params. Its points add up to the part's, as declared in ../__init__.py."""
import pytest

from autograder.suites import checks
from autograder.suites.errors import CheckFailed

pytestmark = pytest.mark.visibility("after_due_date")
IMAGE = (1, 28, 28)
HANDOUT = (784, 8, 10)


@pytest.mark.points(2)
def FC2Layer_parameter_count_handout_sizes(sub):
    checks.param_count(sub, "FC2Layer", HANDOUT, 6442)


@pytest.mark.points(2)
def FC2Layer_parameter_count_other_sizes(sub):
    checks.param_count(sub, "FC2Layer", (784, 12, 10), 9706, "n_hidden 是否被使用？是否把尺寸写死了？")
    checks.param_count(sub, "FC2Layer", (100, 5, 3), 553, "input_size、output_size 是否被使用？")


@pytest.mark.points(1)
def FC2Layer_output_shape(sub):
    checks.output_shape(sub, "FC2Layer", HANDOUT, IMAGE, (1, 64), 10)


@pytest.mark.points(2)
def FC2Layer_outputs_log_probabilities(sub):
    checks.log_probabilities(sub, "FC2Layer", HANDOUT, IMAGE)


@pytest.mark.points(2)
def FC2Layer_relu_between_layers(sub):
    checks.relu_between_layers(sub, "FC2Layer", HANDOUT, IMAGE)


@pytest.mark.points(1)
def FC2Layer_every_parameter_gets_a_gradient(sub):
    checks.gradients(sub, "FC2Layer", HANDOUT, IMAGE)


@pytest.mark.points(1)
def FC2Layer_get_n_params_counts_every_parameter(sub):
    for layers, expected in (([[784, 8], [8, 8], [8, 10]], 6442), ([[10, 3]], 33)):
        value = sub.call("get_n_params", [{"linear_stack": layers}])["value"]
        number = value.get("number")
        if number is None and value.get("shape") in ([], [1]):
            number = float(value["tensor"].reshape(-1)[0])
        if number is None or int(number) != expected:
            got = number if number is not None else value.get("type", "tensor")
            raise CheckFailed(f"get_n_params 对一个有 {expected:,} 个参数的模型返回 {got}；"
                              f"应累加每个参数张量的元素个数 p.nelement() (count every parameter element)。")


@pytest.mark.training("FC2Layer")
@pytest.mark.depends("FC2Layer_output_shape")
@pytest.mark.points(4)
def FC2Layer_trains_on_mnist(sub):
    checks.trains(sub, "FC2Layer")
