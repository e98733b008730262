"""Right values, but written back into the caller's tensor (in-place)."""


def perm_pixel(data, perm):
    flat = data.view(-1, 784)
    flat.copy_(flat[:, perm])
    return data
