"""Code the HTTP functions share, one package per layer: domain, service, storage, web and
platform, wired together by shared.wiring. pyproject.toml's import contracts keep the arrows
pointing down (docs/architecture.md)."""
