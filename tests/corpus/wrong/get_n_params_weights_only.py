"""get_n_params counts only weight matrices and kernels, forgetting the biases."""


def get_n_params(model):
    return sum(p.nelement() for p in model.parameters() if p.dim() > 1)
