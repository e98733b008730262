"""Lab 1: LeNet5 on MNIST. Its points add up to the part's, as declared in ../__init__.py."""
import pytest

from autograder.assignments.week2 import stages
from autograder.suites import checks

pytestmark = pytest.mark.visibility("after_due_date")
IMAGE = (1, 28, 28)


@pytest.mark.points(3)
def LeNet5_output_shape(sub):
    checks.output_shape(sub, "LeNet5", (), IMAGE, (1, 4, 64), 10, stages.LENET_STAGES, stages.STAGE_HINTS)


@pytest.mark.points(5)
def LeNet5_intermediate_shapes(sub):
    checks.stage_shapes(sub, "LeNet5", (), IMAGE, 4, stages.LENET_STAGES, stages.STAGE_HINTS)


@pytest.mark.points(3)
def LeNet5_parameter_count(sub):
    checks.param_count(sub, "LeNet5", (), 61706, "对照讲义逐层检查 conv1、conv2、fc1、fc2、fc3 的尺寸")


@pytest.mark.points(3)
def LeNet5_relu_after_each_hidden_layer(sub):
    checks.relu_between_layers(sub, "LeNet5", (), IMAGE)


@pytest.mark.points(1)
def LeNet5_returns_raw_scores(sub):
    checks.raw_scores(sub, "LeNet5", (), IMAGE)


@pytest.mark.points(2)
def LeNet5_each_output_depends_on_its_own_input(sub):
    checks.rows_independent(sub, "LeNet5", (), IMAGE)


@pytest.mark.points(2)
def LeNet5_every_parameter_gets_a_gradient(sub):
    checks.gradients(sub, "LeNet5", (), IMAGE)


@pytest.mark.training("LeNet5")
@pytest.mark.depends("LeNet5_output_shape")
@pytest.mark.points(6)
def LeNet5_trains_on_mnist(sub):
    checks.trains(sub, "LeNet5")
