# The parameter counter under another name: get_params instead of the handout's get_n_params.
def get_params(model):
    np = 0
    for p in list(model.parameters()):
        np += p.nelement()
    return np
