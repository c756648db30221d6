"""Oversight for regulators: dashboard, trade browser and dossier, export, and alert
detection.
"""
