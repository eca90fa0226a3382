"""The tabular estimators and the preprocessing they carry."""

from .preprocessing import TablePreprocessor

__all__ = ["TablePreprocessor"]
