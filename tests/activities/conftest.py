"""The control plane fixtures (``kube``, ``bot``) live in tests/conftest.py."""
