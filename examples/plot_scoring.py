"""Metrics per epoch, and early stopping on ROC AUC
================================================

Train ``MLPClassifier`` on scikit-learn's breast-cancer data with
``scoring=["roc_auc", "f1"]``: both scorers are evaluated on the hold-out after
every epoch (dropout off), recorded as ``history_["val_roc_auc"]`` and
``history_["val_f1"]`` and shown on the progress line.
``early_stopping_metric="roc_auc"`` makes early stopping follow the validation
ROC AUC instead of the validation loss, and restore the weights of the epoch
where it was highest. ``plot_history`` draws one panel per metric::

    python examples/plot_scoring.py
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknn import MLPClassifier, plot_history

X, y = load_breast_cancer(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)

# %%
# Train, scoring every epoch
# --------------------------
# 20 % of the training rows are held out (stratified). ``tol`` is in the
# monitored scorer's units: an epoch counts as an improvement when its ROC AUC
# beats the best so far by 1e-4. ``verbose=2`` prints one line per epoch with
# ``val_roc_auc`` and ``val_f1`` at the end.

mlp = MLPClassifier(
    (32,),
    dropout=0.2,
    learning_rate=1e-3,
    max_iter=200,
    early_stopping=True,
    validation_fraction=0.2,
    scoring=["roc_auc", "f1"],
    early_stopping_metric="roc_auc",
    n_iter_no_change=10,
    verbose=2,
    random_state=0,
)
model = make_pipeline(StandardScaler(), mlp).fit(X_train, y_train)

# %%
# What was recorded
# -----------------
# ``validation_scores_`` are the monitored scorer's scores, the same list as
# ``history_["val_roc_auc"]``; ``best_loss_`` stays the lowest validation loss.

history = mlp.history_
best_epoch = int(np.argmax(history["val_roc_auc"])) + 1
print(f"epochs run: {mlp.n_iter_}, best epoch by val_roc_auc: {best_epoch}")
print(f"best validation ROC AUC: {mlp.best_validation_score_:.4f}")
same = mlp.validation_scores_ == history["val_roc_auc"]
print(f"validation_scores_ is history_['val_roc_auc']: {same}")
test_auc = roc_auc_score(y_test, model.predict_proba(X_test)[:, 1])
print(f"test ROC AUC with the restored weights: {test_auc:.4f}")
print(f"test accuracy: {model.score(X_test, y_test):.4f}")

# %%
# One panel per metric
# --------------------
# accuracy (training and validation), the validation-only scorers ROC AUC and
# F1, then the loss.

figure, axes = plt.subplots(2, 2, figsize=(10, 7))
plot_history(mlp, axes=axes.ravel())
for ax in axes.ravel():  # the epoch whose weights were restored
    ax.axvline(best_epoch, color="grey", linestyle=":")
figure.tight_layout()
plt.show()
