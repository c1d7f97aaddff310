"""Tests of the import pipeline."""
