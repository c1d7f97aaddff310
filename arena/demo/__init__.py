"""Synthetic demo data: three venues' ticketing exports generated from known, documented behaviour."""

from arena.demo.generator import DemoManifest, ExportFile, generate_demo

__all__ = ["DemoManifest", "ExportFile", "generate_demo"]
