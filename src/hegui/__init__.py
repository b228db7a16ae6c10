"""hegui (合规): policy gating, assessment and compliance toolkit for generative-AI services."""

__version__ = "0.1.0"
