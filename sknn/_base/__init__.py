"""The scikit-learn glue both estimators share.

=============  ==============================================================
module         its job
=============  ==============================================================
``estimator``  ``BaseMLP``: the transaction, fit and partial_fit, the commit
               of the fitted attributes, prediction plumbing, ``summary``
``params``     the parameters: constraints, checks, the shared signature
``prepare``    ``fit``'s arguments → one ``FitInput`` (training rows, hold-out)
``assemble``   a ``FitInput`` and the parameters → the plan and its observers
``targets``    the target codecs: y → T for the loop, outputs → predictions
``scoring``    scikit-learn scorers on the hold-out
``callbacks``  the bridge to ``sklearn.callback``
``compat``     every private scikit-learn import
``docstrings`` the parameter descriptions both estimators share
``summary``    the layer table of ``summary()``
=============  ==============================================================
"""
