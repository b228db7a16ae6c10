"""Test support shared across hegui's tests: real local servers that stand in for models."""
