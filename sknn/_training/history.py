"""``History``: the per-epoch record a fitted model keeps as ``history_``."""


class History(dict):
    """Per-epoch lists: ``loss``, the estimator's metric (``accuracy`` or
    ``r2``), ``learning_rate`` and, with a hold-out, ``val_loss`` and
    ``val_<metric>``. ``acc`` and ``val_acc`` answer too, as in old Keras."""

    ALIASES = {"acc": "accuracy", "val_acc": "val_accuracy"}

    def __missing__(self, key):
        if key in self.ALIASES and self.ALIASES[key] in self:
            return self[self.ALIASES[key]]
        raise KeyError(key)

    def get(self, key, default=None):
        try:
            return self[key]
        except KeyError:
            return default

    def __reduce__(self):
        return (History, (dict(self),))
