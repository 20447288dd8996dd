"""The installed version of marketbot (/about, `marketbot --version`)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version


def package_version() -> str:
    try:
        return version("marketbot")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "unknown"
