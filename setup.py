"""The one thing pyproject.toml cannot say to setuptools: the package's list is found (forum and its
subpackages) *and* three folders from the top of the source tree are added to it, as forum.templates,
forum.static and forum.migrations (their places are in pyproject.toml's package-dir)."""

from setuptools import find_packages, setup

setup(packages=find_packages(include=["forum", "forum.*"]) + ["forum.templates", "forum.static", "forum.migrations"])
