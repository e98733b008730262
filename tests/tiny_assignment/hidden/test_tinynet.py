"""TinyNet (12 points): data-free checks of the network, and one short training run on MNIST."""

import pytest

from autograder.suites import checks

pytestmark = pytest.mark.visibility("after_due_date")
IMAGE = (1, 28, 28)
ARGS = (32,)


@pytest.mark.points(2)
def TinyNet_parameter_count(sub):
    checks.param_count(sub, "TinyNet", ARGS, 25450)
    checks.param_count(sub, "TinyNet", (5,), 3985, "n_hidden 是否被使用？是否把尺寸写死了？")


@pytest.mark.points(2)
def TinyNet_output_shape(sub):
    checks.output_shape(sub, "TinyNet", ARGS, IMAGE, (1, 16), 10)


@pytest.mark.points(2)
def TinyNet_outputs_log_probabilities(sub):
    checks.log_probabilities(sub, "TinyNet", ARGS, IMAGE)


@pytest.mark.points(1)
def TinyNet_relu_after_the_hidden_layer(sub):
    checks.relu_between_layers(sub, "TinyNet", ARGS, IMAGE)


@pytest.mark.points(1)
def TinyNet_every_parameter_gets_a_gradient(sub):
    checks.gradients(sub, "TinyNet", ARGS, IMAGE)


@pytest.mark.training("TinyNet")
@pytest.mark.depends("TinyNet_output_shape")
@pytest.mark.points(4)
def TinyNet_trains_on_mnist(sub):
    checks.trains(sub, "TinyNet")
