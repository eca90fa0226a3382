"""The Keras-style progress line printed while training (``verbose=1`` or ``2``).

``verbose=1`` on a terminal redraws one line as the epoch runs::

    Epoch 3/20  30720/54000 [=================>............] - ETA: 1s - loss: 0.0812

and leaves the finished line behind::

    Epoch 3/20  54000/54000 [==============================] - 2s 4ms/step - loss: 0.0743 - accuracy: 0.9772 - val_loss: 0.0800 - val_accuracy: 0.9768

When the stream is not a terminal (a log file, a notebook) only the finished
line is written, with no carriage-return redraws. ``verbose=2`` writes the
finished line without the bar.
"""

import sys
import time

BAR_WIDTH = 30
REDRAW_SECONDS = 0.05


def _format_duration(seconds):
    if seconds >= 1:
        return f"{seconds:.0f}s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms"
    return f"{seconds * 1e6:.0f}us"


def _bar(done, total):
    filled = int(BAR_WIDTH * done / total) if total else BAR_WIDTH
    if filled >= BAR_WIDTH:
        return "[" + "=" * BAR_WIDTH + "]"
    return "[" + "=" * filled + ">" + "." * (BAR_WIDTH - filled - 1) + "]"


def format_metrics(metrics):
    return " - ".join(f"{name}: {value:.4f}" for name, value in metrics.items())


class Progress:
    """Writes the progress of each epoch to ``stream`` (stdout by default)."""

    def __init__(self, verbose, n_epochs, n_samples, stream=None):
        self.verbose = verbose
        self.n_epochs = n_epochs
        self.n_samples = n_samples
        self.stream = sys.stdout if stream is None else stream
        isatty = getattr(self.stream, "isatty", None)
        self.redraw = verbose == 1 and bool(isatty and isatty())
        self._width = 0

    def start_epoch(self, epoch):
        self.epoch = epoch
        self.start = self._last_draw = time.perf_counter()
        self.steps = 0

    def _prefix(self, done):
        counter = f"{done:>{len(str(self.n_samples))}}/{self.n_samples}"
        return f"Epoch {self.epoch}/{self.n_epochs}  {counter}"

    def _write_line(self, text, final):
        padding = " " * max(0, self._width - len(text)) if self.redraw else ""
        self._width = 0 if final else len(text)
        end = "\n" if final else ""
        start = "\r" if self.redraw else ""
        self.stream.write(start + text + padding + end)
        self.stream.flush()

    def update(self, done, metrics):
        """After each batch: ``done`` samples so far, and ``metrics()`` the
        running metrics, called only when the line is redrawn."""
        self.steps += 1
        if not self.redraw:
            return
        now = time.perf_counter()
        if now - self._last_draw < REDRAW_SECONDS:
            return
        self._last_draw = now
        elapsed = now - self.start
        eta = elapsed * (self.n_samples - done) / done if done else 0.0
        text = (
            f"{self._prefix(done)} {_bar(done, self.n_samples)}"
            f" - ETA: {_format_duration(eta)} - {format_metrics(metrics())}"
        )
        self._write_line(text, final=False)

    def end_epoch(self, metrics):
        """The finished epoch's line, with its training and validation metrics."""
        if not self.verbose:
            return
        elapsed = time.perf_counter() - self.start
        per_step = elapsed / max(self.steps, 1)
        bar = f" {_bar(self.n_samples, self.n_samples)}" if self.verbose == 1 else ""
        text = (
            f"{self._prefix(self.n_samples)}{bar} - {_format_duration(elapsed)}"
            f" {_format_duration(per_step)}/step - {format_metrics(metrics)}"
        )
        self._write_line(text, final=True)
