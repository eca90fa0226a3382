"""The training loop: it runs a plan, says what happened, observers listen.

=============  ==============================================================
module         its job
=============  ==============================================================
``data``       the rows that travel: ``TrainingData``, ``Rows``, ``Batch``
``plan``       ``Plan`` (what a run needs) and ``RunState`` (where it is)
``loop``       ``run``: epochs of minibatch steps, or L-BFGS, emitting events
``observers``  small listeners, one job each (validation, stopping, …)
``history``    ``History``, the per-epoch record a fitted model keeps
``metrics``    the per-epoch metrics (accuracy, R²), accumulated by batch
``progress``   the Keras-style progress line
=============  ==============================================================

The loop knows nothing of labels or of scikit-learn: the estimator hands it
the rows, the network, the optimiser and a function that scores the hold-out.
"""
