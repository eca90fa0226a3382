"""The mathematics: the network, J(Θ) and its gradient, the update rules.

==============  =============================================================
module          what it computes
==============  =============================================================
``network``     the layers' forward pass, J(Θ) and ∂J/∂θ by backpropagation
``losses``      the output layers (links) and their losses, the cost J(Θ)
``activations`` the hidden layers' g(z) and g'(z)
``optimizers``  the gradient solvers' update rules, and their registry
``kernels``     the fused numba kernels of those rules (optional)
``schedules``   the rules a scalar (the learning rate) follows over training
==============  =============================================================

Nothing here knows scikit-learn: arrays and numbers in, arrays and numbers out.
"""
